// MathJax settings for the smallnets book. Loaded before theme/mathjax/tex-svg-full.js
// (book.toml, `additional-js`), which reads `window.MathJax` when it starts.
//
// Chapters write inline math as \\( ... \\) and display math as \\[ ... \\] in markdown; the
// markdown escape leaves \( ... \) and \[ ... \] in the page, which MathJax typesets.
// Everything MathJax needs is in tex-svg-full.js (all TeX extensions, glyphs drawn as SVG
// paths, no web fonts), so nothing is fetched from the network when a page is viewed.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"]],
    displayMath: [["\\[", "\\]"]],
    // `$` is not a delimiter: prose and code talk about money and shell variables.
    processEscapes: false,
    // Number equations written with \begin{equation} or \tag{}.
    tags: "ams",
  },
  svg: {
    // One shared set of glyph paths per page instead of a copy per formula.
    fontCache: "global",
  },
  options: {
    // The right-click menu can switch on speech and exploration, which would fetch more of
    // MathJax from a CDN. Keep the page self-contained.
    enableMenu: false,
    // Never typeset inside code: code blocks may well contain \( or \[.
    skipHtmlTags: ["script", "noscript", "style", "textarea", "pre", "code"],
  },
};
