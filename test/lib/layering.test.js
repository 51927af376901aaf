'use strict';
// The lint step (eslint.config.mjs) holds the layering of docs/ARCHITECTURE.md:
// no Node-RED under lib/, nodes reach lib/ only through its entry points, the
// database drivers stay lazy. Each rule is shown to fire here; `npm run lint`
// (part of npm test) runs it over the tree.
const assert = require('node:assert/strict');
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..');

describe('layering lint (npm run lint)', function () {
  this.timeout(60000);
  let eslint;
  before(async () => {
    const { ESLint } = await import('eslint');
    eslint = new ESLint({ cwd: ROOT });
  });

  /** The messages of the layering rule for `code` as if it were the file `file`. */
  async function violations(code, file) {
    const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
    return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
  }

  const cases = [
    ['lib/basic/x.ts', "import type { NodeAPI } from 'node-red';", /no Node-RED import/],
    ['lib/basic/x.ts', "import { x } from '@node-red/util';", /no Node-RED import/],
    ['lib/basic/x.ts', "import { x } from '../../nodes/shared/decision';", /never depends on nodes/],
    ['lib/store/x.ts', "import Redis from 'ioredis';", /load lazily/],
    ['nodes/basic/x.ts', "import { Pool } from 'pg';", /load lazily/],
    ['nodes/basic/x.ts', "import { then } from '../../lib/util/maybe';", /only through its entry points/],
    ['nodes/shared/x.ts', "import { Lockout } from '../../lib/session';", /only through its entry points/],
  ];
  for (const [file, code, expected] of cases) {
    it(`refuses ${code} in ${file}`, async () => {
      const found = await violations(code, file);
      assert.ok(found.some((m) => expected.test(m)), found.join('\n') || 'no message');
    });
  }

  it('allows the entry points, type-only driver imports and Node-RED in nodes/', async () => {
    assert.deepEqual(await violations("import { AuthInfo } from '../../lib';", 'nodes/basic/x.ts'), []);
    assert.deepEqual(await violations("import { then } from '../../lib/internal';", 'nodes/basic/x.ts'), []);
    assert.deepEqual(await violations("import type { Redis } from 'ioredis';", 'lib/store/x.ts'), []);
    assert.deepEqual(await violations("import type { NodeAPI } from 'node-red';", 'nodes/basic/x.ts'), []);
  });
});
