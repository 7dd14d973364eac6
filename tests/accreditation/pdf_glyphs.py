"""The glyphs a PDF draws, read from the fonts embedded in it (pikepdf and
fontTools), not from its text layer.

pdftotext reads the ToUnicode maps, which name a character even when the glyph
drawn for it is an empty box; here each glyph shown by the page's text
operators is looked up in the embedded font subset: a glyph the subset does
not have (WeasyPrint's stand-in for a missing character), glyph 0 (.notdef)
or a glyph without an outline for a visible character is a box.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

import pikepdf
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont


@dataclass(frozen=True)
class Glyph:
    font: str  # the font's name without its subset tag: "Noto-Serif-CJK-JP"
    glyph_id: int
    text: str  # the characters it stands for (ToUnicode)
    outlined: bool  # the embedded font has the glyph, with an outline

    @property
    def visible_text(self) -> str:
        return "".join(c for c in self.text if visible(c))

    @property
    def is_box(self) -> bool:
        return bool(self.visible_text) and not self.outlined


def visible(character: str) -> bool:
    return not character.isspace() and unicodedata.category(character) not in ("Cc", "Cf")


def _to_unicode(cmap: bytes) -> dict[int, str]:
    mapping = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for glyph, text in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>", block):
            mapping[int(glyph, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for start, end, text in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            first = int(text, 16)
            for offset, glyph in enumerate(range(int(start, 16), int(end, 16) + 1)):
                mapping[glyph] = chr(first + offset)
    return mapping


class _EmbeddedFont:
    def __init__(self, font: pikepdf.Dictionary):
        self.name = str(font.get("/BaseFont", "")).lstrip("/").split("+", 1)[-1]
        descendant = font.DescendantFonts[0]
        descriptor = descendant.FontDescriptor
        stream = descriptor.get("/FontFile2") or descriptor.get("/FontFile3") or descriptor.get("/FontFile")
        self.program = stream.read_bytes() if stream is not None else b""
        self.to_unicode = _to_unicode(font.ToUnicode.read_bytes()) if "/ToUnicode" in font else {}
        self._outlined: dict[int, bool] = {}

    @cached_property
    def _font(self) -> TTFont | None:
        return TTFont(io.BytesIO(self.program), lazy=True) if self.program else None

    def outlined(self, glyph_id: int) -> bool:
        if glyph_id not in self._outlined:
            font = self._font
            order = font.getGlyphOrder() if font is not None else []
            if glyph_id == 0 or glyph_id >= len(order):
                self._outlined[glyph_id] = False
            else:
                glyph_set = font.getGlyphSet()
                pen = BoundsPen(glyph_set)
                glyph_set[order[glyph_id]].draw(pen)
                self._outlined[glyph_id] = pen.bounds is not None
        return self._outlined[glyph_id]


def _shown_strings(content, resources):
    """(font dictionary, bytes) for every string shown by Tj, TJ, ' and "."""
    font = None
    for operands, operator in pikepdf.parse_content_stream(content):
        operator = str(operator)
        if operator == "Tf":
            font = resources.Font[operands[0]]
        elif operator in ("Tj", "'"):
            yield font, bytes(operands[0])
        elif operator == '"':
            yield font, bytes(operands[2])
        elif operator == "TJ":
            for item in operands[0]:
                if isinstance(item, pikepdf.String):
                    yield font, bytes(item)
        elif operator == "Do" and "/XObject" in resources:
            xobject = resources.XObject[operands[0]]
            if xobject.get("/Subtype") == "/Form":
                yield from _shown_strings(xobject, xobject.get("/Resources", resources))


def drawn_glyphs(pdf: bytes) -> list[Glyph]:
    """Every glyph the PDF's pages show, in order (Identity-H fonts: two bytes a glyph)."""
    glyphs = []
    fonts: dict[int, _EmbeddedFont] = {}
    with pikepdf.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            for font, string in _shown_strings(page, page.Resources):
                key = font.objgen
                if key not in fonts:
                    fonts[key] = _EmbeddedFont(font)
                embedded = fonts[key]
                for index in range(0, len(string) - 1, 2):
                    glyph_id = int.from_bytes(string[index : index + 2], "big")
                    glyphs.append(
                        Glyph(
                            font=embedded.name,
                            glyph_id=glyph_id,
                            text=embedded.to_unicode.get(glyph_id, ""),
                            outlined=embedded.outlined(glyph_id),
                        )
                    )
    return glyphs


def boxes(glyphs: list[Glyph]) -> list[Glyph]:
    """The glyphs drawn as empty boxes (or not at all) for a visible character."""
    return [glyph for glyph in glyphs if glyph.is_box]


def fonts_drawing(glyphs: list[Glyph], text: str) -> dict[str, set[str]]:
    """For each visible character of `text`, the fonts whose outlined glyphs draw it."""
    drawn: dict[str, set[str]] = {c: set() for c in text if visible(c)}
    for glyph in glyphs:
        if glyph.outlined:
            for character in glyph.text:
                if character in drawn:
                    drawn[character].add(glyph.font)
    return drawn
