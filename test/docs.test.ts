import { describe, it } from 'mocha';
import { expect } from 'chai';
import { outdatedPages } from '../scripts/docs-reference.js';

describe('docs', () => {
  it('every installed connector has a page whose config reference matches its schema (npm run docs)', async () => {
    expect(await outdatedPages(false)).to.deep.equal([]);
  });
});
