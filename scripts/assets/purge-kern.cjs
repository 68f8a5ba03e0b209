#!/usr/bin/env node
// Purges KERN-UX's dist/kern.css (and dist/kern-utilities.css) down to the
// rules the Sozialplattform actually uses, checks every url() it keeps and
// minifies the result. Called by scripts/build-assets.sh; deterministic:
// the same inputs always give the same output bytes.
//
// usage: node purge-kern.cjs <repo-root> <out-css>
"use strict";

const fs = require("fs");
const path = require("path");
const postcss = require("postcss");
const csso = require("csso");
const { PurgeCSS } = require("purgecss");

const root = path.resolve(process.argv[2] || ".");
const outFile = path.resolve(process.argv[3] || path.join(root, "internal/web/static/vendor/kern/kern.min.css"));
const kernDist = path.join(__dirname, "node_modules/@kern-ux/native/dist");
const kernVersion = require("@kern-ux/native/package.json").version;

// --- content: the class names that occur in our templates, Go code and JS ---

function walk(dir, accept, out = []) {
  if (!fs.existsSync(dir)) return out;
  for (const ent of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, ent.name);
    if (ent.isDirectory()) walk(p, accept, out);
    else if (accept(p)) out.push(p);
  }
  return out;
}

const contentFiles = [
  ...walk(path.join(root, "internal/web/templates"), (p) => p.endsWith(".html")),
  ...walk(path.join(root, "internal"), (p) => p.endsWith(".go")),
  ...walk(path.join(root, "internal/web/static/js"), (p) => p.endsWith(".js") && path.dirname(p) === path.join(root, "internal/web/static/js")),
];

// Every HTML element name: element selectors are always kept (KERN's reset
// and base typography), whether or not a template uses the element yet.
const HTML_TAGS = `a abbr address area article aside audio b bdi bdo blockquote body br button canvas
caption cite code col colgroup data datalist dd del details dfn dialog div dl dt em fieldset figcaption
figure footer form h1 h2 h3 h4 h5 h6 head header hgroup hr html i iframe img input ins kbd label legend
li main map mark menu meter nav noscript object ol optgroup option output p picture pre progress q rp rt
ruby s samp search section select slot small source span strong sub summary sup svg table tbody td
template textarea tfoot th thead time title tr track u ul var video wbr`.split(/\s+/);

// --- safelist: scripts/assets/safelist.txt, one class, glob (*) or /regex/ a line ---

const safelistStd = [];
const keepSelectors = []; // "selector: /re/" lines: tested against each complete selector
const safelistWords = []; // also fed to purgecss as content, for [class^=…] selectors
for (let line of fs.readFileSync(path.join(__dirname, "safelist.txt"), "utf8").split("\n")) {
  line = line.replace(/#.*$/, "").trim();
  if (!line) continue;
  if (line.startsWith("selector:")) {
    const re = line.slice(9).trim();
    if (!(re.length > 2 && re.startsWith("/") && re.endsWith("/"))) throw new Error("safelist: selector: needs /regex/: " + line);
    keepSelectors.push(new RegExp(re.slice(1, -1)));
    continue;
  }
  if (line.length > 2 && line.startsWith("/") && line.endsWith("/")) {
    safelistStd.push(new RegExp(line.slice(1, -1)));
  } else if (line.includes("*")) {
    const esc = line.split("*").map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    safelistStd.push(new RegExp("^" + esc.join("[A-Za-z0-9_-]*") + "$"));
    safelistWords.push(...esc.filter(Boolean).map((s) => s.replace(/\\/g, "").replace(/-+$/, "")));
  } else {
    safelistStd.push(line);
    safelistWords.push(line);
  }
}

const words = (s) => s.match(/[A-Za-z0-9_-]+/g) || [];
const content = [
  ...contentFiles.map((f) => ({ raw: fs.readFileSync(f, "utf8"), extension: "txt" })),
  { raw: HTML_TAGS.join(" ") + " " + safelistWords.join(" "), extension: "txt" },
];

// --- url() check: keep data: URIs, vendor relative files, refuse the rest ---

const outDir = path.dirname(outFile);
const copied = [];
function checkURLs(cssRoot, srcDir) {
  cssRoot.walkDecls((decl) => {
    decl.value.replace(/url\(\s*(['"]?)(.*?)\1\s*\)/g, (m, q, ref) => {
      if (ref.startsWith("data:") || ref.startsWith("#")) return m;
      if (/^[a-z][a-z0-9+.-]*:|^\/\//i.test(ref)) {
        throw new Error(`external url() in KERN CSS: ${ref} (${decl.parent.selector})`);
      }
      const clean = ref.replace(/[?#].*$/, "");
      const src = path.resolve(srcDir, clean);
      const dst = path.resolve(outDir, clean);
      if (!fs.existsSync(src)) throw new Error(`url() target missing in package: ${ref}`);
      if (!dst.startsWith(outDir + path.sep)) throw new Error(`url() leaves vendor dir: ${ref}`);
      fs.mkdirSync(path.dirname(dst), { recursive: true });
      fs.copyFileSync(src, dst);
      copied.push(path.relative(outDir, dst));
      return m;
    });
  });
}

// Rules purgecss must not touch: every selector without a class (KERN's
// element/attribute base layer, e.g. input[type=checkbox], [contentEditable]),
// and selectors matching a "selector:" line. They get purgecss' own
// "ignore" comment before purging.
function markKept(css, keep) {
  const root = postcss.parse(css);
  root.walkRules((rule) => {
    if (rule.parent && rule.parent.type === "atrule" && /keyframes$/i.test(rule.parent.name)) return;
    const sels = rule.selectors.map((s) => s.trim());
    if (sels.some((s) => !s.includes(".") || keep.some((re) => re.test(s)))) {
      rule.prepend(postcss.comment({ text: "purgecss ignore current" }));
    }
  });
  return root.toString();
}

async function purge(file, safelist, keep) {
  const [res] = await new PurgeCSS().purge({
    content,
    css: [{ raw: markKept(fs.readFileSync(file, "utf8"), keep) }],
    defaultExtractor: words,
    safelist: { standard: safelist },
    keyframes: true, // drop @keyframes nothing animates with
    fontFace: false,
    variables: false, // keep every design token (custom property)
    rejected: true,
  });
  return res;
}

(async () => {
  // kern.css already contains the grid (kern-grid.css is a subset of it).
  const kern = await purge(path.join(kernDist, "kern.css"), safelistStd, keepSelectors);
  // Utilities: only what the content really uses, no safelist. Their :root
  // tokens duplicate kern.css and are dropped.
  const util = await purge(path.join(kernDist, "kern-utilities.css"), [], []);

  const kernRoot = postcss.parse(kern.css);
  const utilRoot = postcss.parse(util.css);
  utilRoot.walkRules((r) => {
    if (r.selector.trim() === ":root") r.remove();
  });
  for (const r of [kernRoot, utilRoot]) {
    r.walkAtRules("charset", (a) => a.remove());
    r.walkComments((c) => c.remove());
    // empty @media left behind after removals
    r.walkAtRules((a) => {
      if (a.nodes && a.nodes.length === 0) a.remove();
    });
  }
  checkURLs(kernRoot, kernDist);
  checkURLs(utilRoot, kernDist);

  const merged = kernRoot.toString() + "\n" + utilRoot.toString();
  const min = csso.minify(merged, { restructure: false, comments: false }).css;
  const banner = `/*! KERN-UX @kern-ux/native ${kernVersion} (EUPL-1.2, see LICENSE.md) - purged subset generated by scripts/build-assets.sh, do not edit */\n`;
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(outFile, banner + min + "\n");

  const kept = new Set((min.match(/\.kern-[A-Za-z0-9_-]+/g) || []).map((s) => s.slice(1)));
  const summary = {
    contentFiles: contentFiles.length,
    safelistEntries: safelistStd.length,
    rejectedSelectors: kern.rejected.length + util.rejected.length,
    keptKernClasses: kept.size,
    vendoredUrlFiles: [...new Set(copied)].sort(),
  };
  if (process.env.PURGE_DEBUG) fs.writeFileSync(path.join(__dirname, ".rejected.txt"), [...kern.rejected, ...util.rejected].join("\n") + "\n");
  fs.writeFileSync(path.join(__dirname, ".kept-classes.txt"), [...kept].sort().join("\n") + "\n");
  console.log(JSON.stringify(summary));
})().catch((e) => {
  console.error("purge-kern: " + (e && e.stack ? e.stack : e));
  process.exit(1);
});
