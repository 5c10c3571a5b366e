"""Section content: Markdown rendered and sanitised (markdown + nh3), media embeds."""

import functools
import re
from urllib.parse import urlparse

import markdown
import nh3
from django.utils.safestring import mark_safe

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "img", "table", "thead", "tbody", "tr", "th", "td", "dl", "dt", "dd", "sup", "sub", "abbr", "kbd", "del",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "abbr": {"title"}, "th": {"align"}, "td": {"align"}}


@functools.lru_cache(maxsize=2048)
def markdown_html(text: str) -> str:
    html = markdown.markdown(text or "", extensions=["extra", "sane_lists"], output_format="html")
    # Demote headings by one level: the page's h1 is the module, h2 the section.
    html = re.sub(r"<(/?)h([1-5])\b", lambda m: f"<{m.group(1)}h{int(m.group(2)) + 1}", html)
    return mark_safe(nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                               link_rel="noopener noreferrer nofollow"))


def video_embed(url: str) -> dict:
    """How to show a video URL: a privacy-enhanced YouTube/Vimeo frame, or a <video>."""
    parsed = urlparse(url or "")
    host = (parsed.hostname or "").lower()
    if parsed.scheme not in ("http", "https", ""):
        return {"kind": "none"}
    if host.endswith("youtube.com") or host == "youtu.be":
        vid = parsed.path.strip("/") if host == "youtu.be" else dict(p.split("=", 1) for p in parsed.query.split("&") if "=" in p).get("v", "")
        if re.fullmatch(r"[A-Za-z0-9_-]{6,20}", vid or ""):
            return {"kind": "iframe", "src": f"https://www.youtube-nocookie.com/embed/{vid}"}
    if host.endswith("vimeo.com"):
        vid = parsed.path.strip("/").split("/")[-1]
        if vid.isdigit():
            return {"kind": "iframe", "src": f"https://player.vimeo.com/video/{vid}"}
    if url:
        return {"kind": "video", "src": url}
    return {"kind": "none"}
