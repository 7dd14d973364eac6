"""Every letter of a certificate is drawn with a font that has it.

Pango draws a character no font has as an empty box (.notdef) and WeasyPrint
only logs a warning, so a certificate with boxes in place of a name would be
issued. Two checks prevent it:

- `check_coverage(document, font_config)`, after layout and before anything is
  drawn: every character of every text box is looked up in the fonts its CSS
  font-family stack resolves to through the renderer's own fontconfig
  configuration (the @font-face files included), as Pango does;
- `notdef_as_error()` around the render turns WeasyPrint's ".notdef glyph
  rendered" warning into an error.

Either raises `MissingGlyph`, whose text tells the Secretariat what to do:
"no font for 陽 (U+967D): install fonts-noto-cjk".
"""

from __future__ import annotations

import contextlib
import logging
import threading
import unicodedata
import weakref

from django.utils.translation import gettext as _

# The Debian package with the Noto font for a character: Chinese, Japanese and
# Korean are in fonts-noto-cjk, every other script a roster holds (Latin,
# Cyrillic, Arabic, Devanagari, Bengali, Khmer, Sinhala, Thai…) in
# fonts-noto-core. The family tells whether the package's fonts are visible.
CJK_PACKAGE = "fonts-noto-cjk"
CORE_PACKAGE = "fonts-noto-core"
PACKAGE_FAMILIES = {CJK_PACKAGE: "Noto Sans CJK JP", CORE_PACKAGE: "Noto Sans"}
CJK_RANGES = (
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x2E80, 0x2FDF),  # CJK radicals, Kangxi radicals
    (0x2FF0, 0x4DBF),  # ideographic description, CJK symbols, kana, Bopomofo, Hangul compatibility, Extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xA960, 0xA97F),  # Hangul Jamo Extended-A
    (0xAC00, 0xD7FF),  # Hangul syllables, Jamo Extended-B
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # half-width and full-width forms
    (0x20000, 0x3FFFF),  # supplementary ideographic planes
)

NOTDEF_WARNING = ".notdef glyph rendered"


def font_package(character: str) -> str:
    codepoint = ord(character)
    if any(start <= codepoint <= end for start, end in CJK_RANGES):
        return CJK_PACKAGE
    return CORE_PACKAGE


class MissingGlyph(Exception):
    """A character of the certificate that no font it uses can draw."""

    def __init__(self, character: str, *, package_visible: bool = False):
        self.character = character
        self.package = font_package(character)
        self.package_visible = package_visible
        super().__init__(self.reason())

    def reason(self) -> str:
        """What the Secretariat reads (in the active language)."""
        values = {
            "character": self.character,
            "codepoint": f"U+{ord(self.character):04X}",
            "package": self.package,
        }
        if self.package_visible:
            return (
                _("no font for %(character)s (%(codepoint)s): none of the installed fonts has this character") % values
            )
        return _("no font for %(character)s (%(codepoint)s): install %(package)s") % values


def _drawn(character: str) -> bool:
    """False for what no font needs to have: white space (HarfBuzz makes it
    from the space), controls and format characters such as the zero-width
    joiners of Sinhala and Bengali names, variation selectors."""
    if character.isspace():
        return False
    if unicodedata.category(character) in ("Cc", "Cf", "Zl", "Zp"):
        return False
    codepoint = ord(character)
    return not (0xFE00 <= codepoint <= 0xFE0F or 0xE0100 <= codepoint <= 0xE01EF)


_FFI_DEFINITIONS = """
typedef int FcBool;
typedef unsigned char FcChar8;
typedef unsigned int FcChar32;
typedef struct _FcConfig FcConfig;
typedef struct _FcPattern FcPattern;
typedef struct _FcCharSet FcCharSet;
typedef struct { int nfont; int sfont; FcPattern **fonts; } FcFontSet;
typedef enum { FcMatchPattern, FcMatchFont, FcMatchScan } FcMatchKind;
typedef enum {
    FcResultMatch, FcResultNoMatch, FcResultTypeMismatch, FcResultNoId, FcResultOutOfMemory
} FcResult;

FcPattern *FcPatternCreate(void);
void FcPatternDestroy(FcPattern *p);
FcBool FcPatternAddString(FcPattern *p, const char *object, const FcChar8 *s);
FcResult FcPatternGetString(const FcPattern *p, const char *object, int n, FcChar8 **s);
FcBool FcConfigSubstitute(FcConfig *config, FcPattern *p, FcMatchKind kind);
void FcDefaultSubstitute(FcPattern *pattern);
FcFontSet *FcFontSort(FcConfig *config, FcPattern *p, FcBool trim, FcCharSet **csp, FcResult *result);
FcPattern *FcFontMatch(FcConfig *config, FcPattern *p, FcResult *result);
void FcFontSetDestroy(FcFontSet *s);
FcBool FcCharSetHasChar(const FcCharSet *fcs, FcChar32 ucs4);
void FcCharSetDestroy(FcCharSet *fcs);

FcConfig *pango_fc_font_map_get_config(void *fcfontmap);
"""


def _dlopen(ffi, *names):
    for name in names[:-1]:
        with contextlib.suppress(OSError):
            return ffi.dlopen(name)
    return ffi.dlopen(names[-1])


class _Fontconfig:
    """The few fontconfig and pangoft2 calls the coverage check needs (the
    libraries WeasyPrint loads, under the names it tries)."""

    def __init__(self):
        from cffi import FFI

        self.ffi = FFI()
        self.ffi.cdef(_FFI_DEFINITIONS)
        self.fontconfig = _dlopen(
            self.ffi, "libfontconfig-1", "fontconfig-1", "fontconfig", "libfontconfig.1.dylib", "libfontconfig.so.1"
        )
        self.pangoft2 = _dlopen(
            self.ffi,
            "libpangoft2-1.0-0",
            "pangoft2-1.0-0",
            "pangoft2-1.0",
            "libpangoft2-1.0.dylib",
            "libpangoft2-1.0.so.0",
        )


_library_lock = threading.Lock()
_library: _Fontconfig | None = None


def _fc() -> _Fontconfig:
    global _library
    with _library_lock:
        if _library is None:
            _library = _Fontconfig()
        return _library


class FontCoverage:
    """Which characters the fonts of a font-family stack have, as the
    renderer's fontconfig configuration resolves the stack (the fonts Pango
    falls back through, and the certificate's @font-face files), with the
    answers kept for the next render."""

    def __init__(self, font_config):
        from weasyprint.text.ffi import ffi as weasyprint_ffi

        lib = _fc()
        self._lib = lib
        font_map = lib.ffi.cast("void *", int(weasyprint_ffi.cast("uintptr_t", font_config.font_map)))
        # Pango holds a reference to the configuration as long as the font map
        # lives; this object lives only as long as `font_config`, which holds
        # the font map (coverage_for keeps it in a WeakKeyDictionary).
        self._config = lib.pangoft2.pango_fc_font_map_get_config(font_map)
        self._charsets = {}
        self._covered = {}
        self._lock = threading.Lock()

    def _pattern(self, families: tuple[str, ...], lang: str | None):
        ffi, fontconfig = self._lib.ffi, self._lib.fontconfig
        pattern = ffi.gc(fontconfig.FcPatternCreate(), fontconfig.FcPatternDestroy)
        for family in families:
            fontconfig.FcPatternAddString(pattern, b"family", family.encode())
        if lang:
            fontconfig.FcPatternAddString(pattern, b"lang", lang.encode())
        fontconfig.FcConfigSubstitute(self._config, pattern, fontconfig.FcMatchPattern)
        fontconfig.FcDefaultSubstitute(pattern)
        return pattern

    def _charset(self, key):
        """The union of the characters of every font the stack falls back through."""
        charset = self._charsets.get(key)
        if charset is None:
            ffi, fontconfig = self._lib.ffi, self._lib.fontconfig
            charset_out = ffi.new("FcCharSet **")
            result = ffi.new("FcResult *")
            fonts = fontconfig.FcFontSort(self._config, self._pattern(*key), 1, charset_out, result)
            if fonts != ffi.NULL:
                fontconfig.FcFontSetDestroy(fonts)
            charset = self._charsets[key] = (
                ffi.gc(charset_out[0], fontconfig.FcCharSetDestroy) if charset_out[0] != ffi.NULL else None
            )
        return charset

    def missing(self, text: str, families: tuple[str, ...], lang: str | None) -> str | None:
        """The first character of `text` that no font of the stack has, or None."""
        key = (tuple(families), lang or None)
        with self._lock:
            covered = self._covered.setdefault(key, set())
            for character in text:
                if character in covered or not _drawn(character):
                    continue
                charset = self._charset(key)
                if charset is None or not self._lib.fontconfig.FcCharSetHasChar(charset, ord(character)):
                    return character
                covered.add(character)
        return None

    def family_visible(self, family: str) -> bool:
        """Whether fontconfig has a font of this family (and not a substitute)."""
        ffi, fontconfig = self._lib.ffi, self._lib.fontconfig
        result = ffi.new("FcResult *")
        match = fontconfig.FcFontMatch(self._config, self._pattern((family,), None), result)
        if match == ffi.NULL:
            return False
        match = ffi.gc(match, fontconfig.FcPatternDestroy)
        name = ffi.new("FcChar8 **")
        if fontconfig.FcPatternGetString(match, b"family", 0, name) != fontconfig.FcResultMatch:
            return False
        return ffi.string(name[0]).decode().casefold() == family.casefold()


_coverages: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_coverages_lock = threading.Lock()


def coverage_for(font_config) -> FontCoverage:
    """The coverage of a font configuration, built once and reused with it."""
    with _coverages_lock:
        coverage = _coverages.get(font_config)
        if coverage is None:
            coverage = _coverages[font_config] = FontCoverage(font_config)
        return coverage


def _text_boxes(document):
    from weasyprint.formatting_structure.boxes import TextBox

    for page in document.pages:
        for box in page._page_box.descendants():
            if isinstance(box, TextBox):
                yield box


def check_coverage(document, font_config) -> None:
    """Raise MissingGlyph for the first character of a laid-out document that
    no font of its font-family stack has (names in every script, programme and
    workshop names, the certificate's language…: every text box)."""
    coverage = coverage_for(font_config)
    for box in _text_boxes(document):
        character = coverage.missing(box.text, box.style["font_family"], box.style["lang"])
        if character is not None:
            raise _missing(character, coverage)


def _missing(character: str, coverage: FontCoverage) -> MissingGlyph:
    family = PACKAGE_FAMILIES[font_package(character)]
    return MissingGlyph(character, package_visible=coverage.family_visible(family))


class _NotdefRecorder(logging.Handler):
    """Keeps the characters WeasyPrint drew as .notdef in this thread."""

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.thread = threading.get_ident()
        self.characters: list[str] = []

    def emit(self, record):
        if record.thread == self.thread and str(record.msg).startswith(NOTDEF_WARNING) and record.args:
            self.characters.append(str(record.args[0]))


@contextlib.contextmanager
def notdef_as_error(font_config):
    """Raise MissingGlyph after the block if WeasyPrint drew a .notdef glyph
    in it: a render that logged one never counts as a success."""
    logger = logging.getLogger("weasyprint")
    recorder = _NotdefRecorder()
    # A LOG_LEVEL above WARNING must not silence the check: the logger lets
    # warnings through for the render (the handlers keep their own levels).
    level = logger.level
    if not logger.isEnabledFor(logging.WARNING):
        logger.setLevel(logging.WARNING)
    logger.addHandler(recorder)
    try:
        yield
    finally:
        logger.removeHandler(recorder)
        logger.setLevel(level)
    if recorder.characters:
        raise _missing(recorder.characters[0], coverage_for(font_config))
