import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

export interface BenchBuild {
  /** The compiled copy of `file` (a path under the repository, e.g. bench/gatewayWorker.ts). */
  pathOf(file: string): string;
  remove(): void;
}

/**
 * Transpiles src/ and bench/ to plain JavaScript in a temporary folder (no type check: a second or
 * two), so the measured processes run like `npm start` does, without tsx's loader (about 50 MB of RSS
 * and a slower start). The folder links the repository's node_modules and schema.
 */
export function compileForBench(repoRoot: string): BenchBuild {
  const outDir = mkdtempSync(join(tmpdir(), 'jobber-gateway-bench-'));
  const compilerOptions: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    esModuleInterop: true,
    isolatedModules: true,
    resolveJsonModule: true,
  };
  for (const folder of ['src', 'bench']) {
    for (const file of listTypeScript(join(repoRoot, folder))) {
      const output = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions, fileName: file }).outputText;
      const target = join(outDir, relative(repoRoot, file)).replace(/\.ts$/, '.js');
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, output);
    }
  }
  symlinkSync(join(repoRoot, 'node_modules'), join(outDir, 'node_modules'), 'dir');
  symlinkSync(join(repoRoot, 'schema'), join(outDir, 'schema'), 'dir');
  return {
    pathOf: (file) => resolve(outDir, file.replace(/\.ts$/, '.js')),
    remove: () => rmSync(outDir, { recursive: true, force: true }),
  };
}

function listTypeScript(folder: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) files.push(...listTypeScript(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) files.push(path);
  }
  return files;
}
