/** The folder of the built page (index.html and assets/), served by callrelay's admin listener. */
export declare const assetsDir: string;
