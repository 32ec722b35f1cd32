#!/usr/bin/env python3
"""Renders a pull request comment from an insta snapshot to HTML the way GitHub does
(cmark-gfm, GitHub's markdown CSS), and screenshots it with headless Chromium.

Usage: scripts/render-comment.py SNAPSHOT OUT.png
Needs: pip install cmarkgfm; npm install github-markdown-css (in $CSS_DIR, default
/tmp/gmcss); apt-get install chromium.
"""
import os, subprocess, sys, tempfile
import cmarkgfm
from cmarkgfm.cmark import Options

snapshot, png = sys.argv[1], sys.argv[2]
text = open(snapshot, encoding="utf-8").read()
if text.startswith("---\n"):  # insta's header
    text = text.split("\n---\n", 1)[1]
body = cmarkgfm.github_flavored_markdown_to_html(text, options=Options.CMARK_OPT_UNSAFE)
css_dir = os.environ.get("CSS_DIR", "/tmp/gmcss")
css = open(f"{css_dir}/node_modules/github-markdown-css/github-markdown-light.css").read()
page = f"""<!doctype html><html><head><meta charset="utf-8"><style>{css}
body {{ background: #fff; margin: 0; }}
.box {{ width: 860px; margin: 16px; border: 1px solid #d0d7de; border-radius: 6px; }}
.head {{ background: #f6f8fa; border-bottom: 1px solid #d0d7de; padding: 8px 16px; font: 14px -apple-system, sans-serif; color: #57606a; }}
.markdown-body {{ padding: 16px; }}
details {{ }}
</style></head><body><div class="box"><div class="head"><b>github-actions</b> bot commented</div>
<article class="markdown-body">{body}</article></div></body></html>"""
with tempfile.NamedTemporaryFile("w", suffix=".html", delete=False, encoding="utf-8") as f:
    f.write(page)
subprocess.run(
    ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
     "--disable-background-networking", "--disable-component-update", "--disable-sync",
     "--hide-scrollbars", f"--user-data-dir={tempfile.mkdtemp()}", "--window-size=900,1180",
     f"--screenshot={os.path.abspath(png)}", f"file://{f.name}"],
    check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(f"rendered {png}")
