/**
 * A gzip file on stdin is refused (exit 2, one line naming `zcat`) before any
 * record is counted, whether stdin is the file itself or a pipe: counted as
 * lines of compressed bytes it gave a wrong answer with invalid-UTF-8 warnings.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, runCliOnFile } from '../helpers/run-cli.js';

const REFUSED = 'dstream: stdin looks gzip-compressed (it starts with the gzip magic bytes 1f 8b); decompress it first: zcat FILE | dstream …\n';
const GZ = gzipSync(readFileSync(join(ROOT, 'data/elastic-examples/apache_logs')));

describe('gzip on stdin', () => {
  it('a gzip file redirected to stdin: exit 2, one line, nothing on stdout (threads or not)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'dstream-gz-')), 'x.log.gz');
    writeFileSync(file, GZ);
    for (const workers of ['auto', '1']) {
      expect(await runCliOnFile(['--count', '--workers', workers], file)).toMatchObject({ code: 2, stdout: '', stderr: REFUSED });
    }
  });

  it('gzip through a pipe: exit 2, one line, nothing on stdout; text starting with 0x1f alone is read', async () => {
    expect(await runCli(['--count', '--format', 'tsv'], GZ)).toMatchObject({ code: 2, stdout: '', stderr: REFUSED });
    expect(await runCli(['--count', '--format', 'tsv'], '\x1fa\nb\n')).toMatchObject({ code: 0, stdout: '2\n', stderr: '' });
  });
});
