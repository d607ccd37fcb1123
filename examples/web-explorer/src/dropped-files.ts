// The files of a drop, folders included: a dropped folder is read recursively
// through the (non-standard but universal) FileSystemEntry API.

/** The part of `FileSystemEntry` this file uses, so tests can hand in plain objects. */
interface Entry {
  isFile: boolean;
  isDirectory: boolean;
  file?(success: (file: File) => void, failure: (error: unknown) => void): void;
  createReader?(): { readEntries(success: (entries: Entry[]) => void, failure: (error: unknown) => void): void };
}

/** The part of `DataTransfer` this file uses. */
export interface DroppedData {
  items?: ArrayLike<{ kind: string; webkitGetAsEntry?(): unknown; getAsFile(): File | null }>;
  files?: ArrayLike<File>;
}

async function filesOfEntry(entry: Entry): Promise<File[]> {
  if (entry.isFile && entry.file) {
    return [await new Promise<File>((resolve, reject) => entry.file!(resolve, reject))];
  }
  if (!entry.isDirectory || !entry.createReader) return [];
  const reader = entry.createReader();
  const files: File[] = [];
  // readEntries hands out a folder in chunks (100 in Chromium) until it gives an empty one.
  for (;;) {
    const chunk = await new Promise<Entry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (chunk.length === 0) return files;
    for (const child of chunk) files.push(...(await filesOfEntry(child)));
  }
}

/**
 * Every file of a drop, in the order dropped, folders expanded recursively. Call it inside the
 * drop handler: the browser empties `items` when the event ends (the walk itself may finish later).
 * @example
 * ```ts
 * zone.addEventListener('drop', (e) => { e.preventDefault(); void filesFromDrop(e.dataTransfer!).then(use); });
 * ```
 */
export async function filesFromDrop(data: DroppedData): Promise<File[]> {
  const items = Array.from(data.items ?? []).filter((item) => item.kind === 'file');
  if (items.length === 0) return Array.from(data.files ?? []);
  // Take every entry (or file) now, synchronously, before the first await.
  const taken = items.map((item) => ({ entry: (item.webkitGetAsEntry?.() ?? null) as Entry | null, file: item.getAsFile() }));
  const files: File[] = [];
  for (const { entry, file } of taken) {
    if (entry != null) files.push(...(await filesOfEntry(entry)));
    else if (file != null) files.push(file); // a DataTransfer made by a script has no entries
  }
  return files;
}
