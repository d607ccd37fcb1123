// Types of wat.mjs, for the TypeScript test that imports it.
export declare const KERNELS_DIR: string;
export declare function flagsOf(text: string): string[];
export declare function variantsOf(flags: string[]): string[][];
export declare function variantKey(flags: string[]): string;
export declare function selectVariant(text: string, flags: string[]): string;
export declare function expandLanes(text: string, fileName?: string): string;
export declare function assemble(fileName: string, text: string, flags: string[]): Promise<Uint8Array>;
export declare function exportName(fileName: string, text: string): string;
export declare function constName(fileName: string): string;
export declare function watFiles(dir?: string): string[];
export declare function assembleFile(
  fileName: string,
  dir?: string,
): Promise<{ name: string; exportName: string; flags: string[]; variants: Record<string, Uint8Array> }>;
export declare function generatedSource(fileName: string, dir?: string): Promise<string>;
