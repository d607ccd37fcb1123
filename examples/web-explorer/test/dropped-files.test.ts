// filesFromDrop with stand-ins for the browser's DataTransfer and FileSystemEntry objects
// (a real folder drop cannot be scripted in Chromium): folders are walked recursively,
// through readEntries' chunks, in order; script-made transfers fall back to getAsFile.
import { describe, expect, it } from 'vitest';
import { filesFromDrop } from '../src/dropped-files';

const file = (name: string) => new File(['x'], name);
const fileEntry = (name: string) => ({ isFile: true, isDirectory: false, file: (ok: (f: File) => void) => ok(file(name)) });
/** A folder whose reader hands out `chunks` one readEntries call at a time, then []. */
const folderEntry = (...chunks: unknown[][]) => ({
  isFile: false,
  isDirectory: true,
  createReader: () => {
    const queue = [...chunks];
    return { readEntries: (ok: (entries: unknown[]) => void) => setTimeout(() => ok(queue.shift() ?? []), 0) };
  },
});
const item = (entry: unknown, asFile: File | null = null) => ({ kind: 'file', webkitGetAsEntry: () => entry, getAsFile: () => asFile });

describe('filesFromDrop', () => {
  it('walks dropped folders recursively, through every chunk, keeping the drop order', async () => {
    const nested = folderEntry([fileEntry('c/deep.png')]);
    const folder = folderEntry([fileEntry('b/1.png'), nested], [fileEntry('b/2.png')]);
    const files = await filesFromDrop({ items: [item(fileEntry('a.png')), item(folder), item(fileEntry('z.txt'))] });
    expect(files.map((f) => f.name)).toEqual(['a.png', 'b/1.png', 'c/deep.png', 'b/2.png', 'z.txt']);
  });

  it('takes the plain file where there is no entry (a DataTransfer made by a script), and skips non-file items', async () => {
    const files = await filesFromDrop({ items: [item(null, file('scripted.png')), { kind: 'string', getAsFile: () => null }] });
    expect(files.map((f) => f.name)).toEqual(['scripted.png']);
    expect((await filesFromDrop({ files: [file('only-files.png')] })).map((f) => f.name)).toEqual(['only-files.png']);
    expect(await filesFromDrop({})).toEqual([]);
  });

  it('rejects when the browser cannot read a dropped file', async () => {
    const unreadable = {
      isFile: true,
      isDirectory: false,
      file: (_ok: unknown, fail: (e: unknown) => void) => fail(new Error('NotReadableError')),
    };
    await expect(filesFromDrop({ items: [item(unreadable)] })).rejects.toThrow('NotReadableError');
  });
});
