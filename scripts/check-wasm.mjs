// Does this wasm still work with its wasm-bindgen glue? Instantiates it in Node (the web target's
// initSync) and reads the core's cell table. Used by build-web.sh to refuse a wasm-opt output
// that an older binaryen broke (binaryen 108, Debian 12's, mangles wasm-bindgen's externref
// table). Exit 0 when it works, 1 (with the error on stderr) when not.
//   node scripts/check-wasm.mjs pkg/unrolled.js candidate.wasm
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [glue, wasm] = process.argv.slice(2);
try {
  const m = await import(pathToFileURL(path.resolve(glue)).href);
  m.initSync({ module: fs.readFileSync(wasm) });
  if (!(m.cell_table().length > 0)) throw new Error('cell_table() is empty');
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
