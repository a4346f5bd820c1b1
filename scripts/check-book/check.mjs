// Opens every page of the built book (book/book/) in headless Chromium, in a light and a dark
// theme, and fails on what a reader would see wrong:
//
//   - raw TeX left in the text (a formula MathJax did not typeset),
//   - a MathJax error box,
//   - an image that did not load,
//   - a code block wider than its column (a scroll bar hiding the end of its lines),
//   - a link to a page or heading that does not exist, or a `{{#...}}` directive left as text,
//   - a JavaScript error on the page.
//
// It also writes a small JPEG of the top of every page, per theme, for review.
//
//   node scripts/check-book/check.mjs BOOK_HTML_DIR SCREENSHOT_DIR
//
// Run by scripts/check-book.sh, which builds the book and installs what this needs.
// playwright-core drives the system's Chromium over the DevTools protocol; it downloads no
// browser of its own.

import { chromium } from "playwright-core";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";

const [bookDir, shotDir] = process.argv.slice(2);
if (!bookDir || !shotDir) {
  console.error("usage: node check.mjs BOOK_HTML_DIR SCREENSHOT_DIR");
  process.exit(2);
}
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
// mdBook's themes: `light` is the default, `coal` its darkest.
const themes = ["light", "coal"];
// Pages that are not chapters: mdBook's 404 page, the one-page print version (it repeats
// every chapter), the table of contents for browsers without JavaScript, and index.html,
// a copy of the first page.
const skipped = new Set(["404.html", "print.html", "toc.html", "index.html"]);

const pages = fs
  .readdirSync(bookDir)
  .filter((f) => f.endsWith(".html") && !skipped.has(f))
  .sort();
if (pages.length === 0) {
  console.error(`error: no pages in ${bookDir}; build the book first (bash scripts/build-book.sh)`);
  process.exit(1);
}

// The ids of the headings (and any other element) of a built page, for `page.html#id` links.
const idsOf = new Map();
function ids(file) {
  if (!idsOf.has(file)) {
    const html = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    idsOf.set(file, new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1])));
  }
  return idsOf.get(file);
}

fs.mkdirSync(shotDir, { recursive: true });
const browser = await chromium.launch({
  executablePath,
  args: ["--no-sandbox", "--disable-gpu", "--allow-file-access-from-files"],
});
const problems = [];
let checked = 0;

for (const theme of themes) {
  const context = await browser.newContext({ viewport: { width: 820, height: 640 } });
  await context.addInitScript((theme) => {
    localStorage.setItem("mdbook-theme", theme);
    localStorage.setItem("mdbook-sidebar", "hidden");
  }, theme);
  for (const file of pages) {
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    const url = pathToFileURL(path.resolve(bookDir, file)).href;
    await page.goto(url, { waitUntil: "load" });
    // MathJax typesets after load; its startup promise resolves when the page is done.
    await page.waitForFunction(() => window.MathJax && window.MathJax.startup, null, {
      timeout: 20000,
    });
    await page.evaluate(() => window.MathJax.startup.promise);
    const found = await page.evaluate(() => {
      const main = document.querySelector("main");
      const out = { tex: [], mathErrors: [], images: [], code: [], links: [], directives: [], formulas: 0 };
      out.formulas = main.querySelectorAll("mjx-container").length;
      // Text a reader sees outside code and typeset math.
      const copy = main.cloneNode(true);
      copy.querySelectorAll("pre, code, mjx-container, script, style").forEach((n) => n.remove());
      const text = copy.textContent;
      const tex = /\\[()[\]]|\\(frac|hat|sum|cdot|mathbb|operatorname|begin|end|lVert|partial|eta|lambda)\b/g;
      for (const m of text.matchAll(tex)) {
        out.tex.push(text.slice(Math.max(0, m.index - 30), m.index + 30).replace(/\s+/g, " "));
      }
      for (const m of main.textContent.matchAll(/\{\{#\w+[^}]*\}\}/g)) out.directives.push(m[0]);
      main.querySelectorAll("mjx-merror, [data-mjx-error]").forEach((e) =>
        out.mathErrors.push(e.getAttribute("data-mjx-error") || e.textContent),
      );
      main.querySelectorAll("img").forEach((img) => {
        if (!img.complete || img.naturalWidth === 0) out.images.push(img.getAttribute("src"));
      });
      // mdBook scrolls the `code` inside a `pre` (highlight.js makes it a block); either one
      // scrolling sideways means part of a line is out of sight.
      main.querySelectorAll("pre, pre > code").forEach((el) => {
        const hidden = el.scrollWidth - el.clientWidth;
        if (hidden > 1) {
          const longest = el.textContent.split("\n").reduce((a, b) => (b.length > a.length ? b : a), "");
          out.code.push(`${hidden}px too wide: ${longest.trim().slice(0, 70)}`);
        }
      });
      main.querySelectorAll("a[href]").forEach((a) => out.links.push(a.href));
      return out;
    });
    const where = `${file} (${theme})`;
    for (const t of new Set(found.tex)) problems.push(`${where}: raw TeX in the text: ...${t}...`);
    for (const d of found.directives) problems.push(`${where}: a directive left as text: ${d}`);
    for (const e of found.mathErrors) problems.push(`${where}: MathJax error: ${e}`);
    for (const src of found.images) problems.push(`${where}: image did not load: ${src}`);
    for (const c of found.code) problems.push(`${where}: code block wider than the column, ${c}`);
    for (const e of errors) problems.push(`${where}: JavaScript error: ${e}`);
    for (const href of found.links) {
      if (!href.startsWith("file:")) continue; // the web is not checked offline
      const target = new URL(href);
      const fragment = decodeURIComponent(target.hash.slice(1));
      target.hash = "";
      const targetFile = fileURLToPath(target);
      if (!fs.existsSync(targetFile)) {
        problems.push(`${where}: link to a page that does not exist: ${href}`);
      } else if (fragment && targetFile.endsWith(".html") && !ids(targetFile).has(fragment)) {
        problems.push(`${where}: link to a heading that does not exist: ${href}`);
      }
    }
    const name = file.replace(/\.html$/, "");
    await page.screenshot({
      path: path.join(shotDir, `${name}-${theme}.jpg`),
      type: "jpeg",
      quality: 40,
      clip: { x: 0, y: 0, width: 820, height: 640 },
    });
    console.log(
      `checked ${where}: ${found.formulas} formulas, ${found.links.length} links, ` +
        `${(await page.$$("main img")).length} images`,
    );
    checked += 1;
    await page.close();
  }
  await context.close();
}
await browser.close();

if (problems.length > 0) {
  console.error(`\n${problems.length} problem(s) a reader would see:`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log(`\nbook checked in Chromium: ${checked} pages (${pages.length} pages × ${themes.length} themes), no problems`);
