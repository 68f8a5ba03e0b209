#!/usr/bin/env node
// Prints (and optionally writes into docs/assets.md between the
// <!-- sizes:start --> / <!-- sizes:end --> markers) a table of raw, gzip -9
// and brotli q11 sizes for the vendored assets, the upstream files they
// replace, and an estimate of the first-visit weight of a Latin-script page.
//
// usage: node sizes.cjs <repo-root> [docs/assets.md]
"use strict";

const fs = require("fs");
const path = require("path");
const zlib = require("zlib");

const root = path.resolve(process.argv[2] || ".");
const docFile = process.argv[3] ? path.resolve(root, process.argv[3]) : null;
const kern = path.join(__dirname, "node_modules/@kern-ux/native/dist");
const st = path.join(root, "internal/web/static");

const gz = (b) => zlib.gzipSync(b, { level: 9 }).length;
const br = (b) => zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const kb = (n) => (n / 1024).toFixed(1);
const read = (p) => fs.readFileSync(p);
// woff2 is already brotli-compressed and is served as is.
const measure = (b, precompressed) =>
  precompressed ? { raw: b.length, gz: b.length, br: b.length } : { raw: b.length, gz: gz(b), br: br(b) };

const rows = [];
const row = (group, name, buf, pre) => rows.push({ group, name, ...measure(buf, pre) });

// before: what a plain KERN install would ship
row("upstream", "@kern-ux/native dist/kern.min.css", read(path.join(kern, "kern.min.css")));
for (const w of ["Regular", "SemiBold"]) {
  row("upstream", `dist/fonts/fira-sans/FiraSans-${w}.woff2`, read(path.join(kern, `fonts/fira-sans/FiraSans-${w}.woff2`)), true);
}

// after: what is committed
const vend = [];
const walk = (d) => {
  for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p);
    else if (/\.(css|woff2|svg|png)$/.test(e.name)) vend.push(p);
  }
};
walk(path.join(st, "vendor"));
for (const p of vend) row("vendored", path.relative(st, p), read(p), p.endsWith(".woff2"));
for (const c of ["css/fonts.css", "css/rtl.css"]) row("ours", c, read(path.join(st, c)));

// what the server bundles (see internal/web/static.go), as a first visit loads it
const cat = (names) => Buffer.concat(names.filter((n) => fs.existsSync(path.join(st, n))).map((n) => Buffer.concat([read(path.join(st, n)), Buffer.from("\n")])));
const bundle = cat(["css/fonts.css", "vendor/kern/kern.min.css", "css/app.css"]);
const bundleRtl = cat(["css/fonts.css", "vendor/kern/kern.min.css", "css/app.css", "css/rtl.css"]);
row("served", "css/bundle.css (fonts + kern + app)", bundle);
row("served", "css/bundle-rtl.css (+ rtl)", bundleRtl);
const js = fs.existsSync(path.join(st, "js/app.js")) ? read(path.join(st, "js/app.js")) : Buffer.alloc(0);
row("served", "js/app.js", js);

const fontsDir = path.join(st, "vendor/fonts");
const f = (n) => (fs.existsSync(path.join(fontsDir, n)) ? fs.statSync(path.join(fontsDir, n)).size : 0);
const latinFonts = f("fira-sans-400-latin.woff2") + f("fira-sans-600-latin.woff2");
const arabicFonts = f("noto-sans-arabic-400.woff2") + f("noto-sans-arabic-700.woff2");
const b = measure(bundle), bR = measure(bundleRtl), j = measure(js);

const lines = [];
lines.push("| group | file | raw | gzip -9 | brotli 11 |");
lines.push("| --- | --- | ---: | ---: | ---: |");
for (const r of rows) lines.push(`| ${r.group} | ${r.name} | ${kb(r.raw)} KB | ${kb(r.gz)} KB | ${kb(r.br)} KB |`);
lines.push("");
lines.push("First visit, static assets only (HTML not included; fonts are woff2, sent as is):");
lines.push("");
lines.push("| page | CSS (br / gzip) | JS (br / gzip) | fonts | total br | total gzip |");
lines.push("| --- | ---: | ---: | ---: | ---: | ---: |");
lines.push(`| German/English (latin 400 + 600) | ${kb(b.br)} / ${kb(b.gz)} KB | ${kb(j.br)} / ${kb(j.gz)} KB | ${kb(latinFonts)} KB | ${kb(b.br + j.br + latinFonts)} KB | ${kb(b.gz + j.gz + latinFonts)} KB |`);
lines.push(`| Arabic (rtl bundle, latin + arabic 400 + 700) | ${kb(bR.br)} / ${kb(bR.gz)} KB | ${kb(j.br)} / ${kb(j.gz)} KB | ${kb(latinFonts + arabicFonts)} KB | ${kb(bR.br + j.br + latinFonts + arabicFonts)} KB | ${kb(bR.gz + j.gz + latinFonts + arabicFonts)} KB |`);
lines.push("");
lines.push("Budget: 100 KB transferred for the start page, HTML included. KB = 1024 bytes.");
const table = lines.join("\n");
console.log(table);

if (docFile && fs.existsSync(docFile)) {
  const doc = fs.readFileSync(docFile, "utf8");
  const re = /(<!-- sizes:start -->\n)[\s\S]*?(\n<!-- sizes:end -->)/;
  if (re.test(doc)) fs.writeFileSync(docFile, doc.replace(re, (m, a, z) => a + table + z));
}
