// The package ships no types; this is the part `callrelay new` uses (npm's own name rules).
declare module 'validate-npm-package-name' {
  interface Result { validForNewPackages: boolean; validForOldPackages: boolean; errors?: string[]; warnings?: string[] }
  export default function validate(name: string): Result;
}
