"""The glyphs a certificate draws, for every script the roster holds: read
from the font subsets embedded in the PDF (tests/accreditation/pdf_glyphs.py),
not from its text layer. A character no font has is refused before anything
is drawn, with a reason the Secretariat can act on."""

import pytest
from django.utils import translation

from accreditation import certificates, fonts, services
from accreditation.enums import RenderState
from tests.accreditation.pdf_glyphs import boxes, drawn_glyphs, fonts_drawing
from tests.factories import OfficialFactory, accredit

SCRIPTS = [
    # (script, Latin name, native name, its language, the font that draws the native name)
    ("Latin with diacritics", "Nguyễn Thị Hằng Đặng", "", "", None),
    ("Chinese", "Wang Jianhua", "王建华", "zh-Hans", "Noto-Serif-CJK-SC"),
    ("Japanese", "Sato Haruki", "佐藤 陽輝", "ja", "Noto-Serif-CJK-JP"),
    ("Korean", "Kim Min-jun", "김민준", "ko", "Noto-Serif-CJK-KR"),
    ("Khmer", "Sokha Chhay", "ឆាយ សុខា", "km", "Noto-Serif-Khmer"),
    ("Bengali", "Farhana Rahman", "ফারহানা রহমান", "bn", "Noto-Serif-Bengali"),
    ("Sinhala", "Nimal Perera", "නිමල් පෙරේරා", "si", "Noto-Serif-Sinhala"),
    ("Urdu", "Ayesha Siddiqui", "عائشہ صدیقی", "ur", "Noto-Naskh-Arabic"),
    ("Arabic", "Khalid Al-Mansouri", "خالد المنصوري", "ar", "Noto-Naskh-Arabic"),
    ("Thai", "Somchai Jaidee", "สมชาย ใจดี", "th", "Noto-Serif-Thai"),
    ("Devanagari", "Priya Raghunathan", "प्रिया रघुनाथन", "hi", "Noto-Serif-Devanagari"),
    ("Cyrillic", "Bat-Erdene Dorj", "Бат-Эрдэнэ Дорж", "mn", "TOA-Serif"),
]


@pytest.fixture
def certificate(db):
    official = OfficialFactory(name_latin="Sato Haruki", name_native="佐藤 陽輝", name_native_lang="ja")
    [certificate] = accredit([official])
    return certificates.certificate_for_render(certificate.pk)


@pytest.mark.parametrize(("script", "latin", "native", "lang", "font"), SCRIPTS, ids=[s[0] for s in SCRIPTS])
def test_render_pdf_draws_every_letter_of_the_name(certificate, script, latin, native, lang, font):
    official = certificate.accreditation.official
    official.name_latin, official.name_native, official.name_native_lang = latin, native, lang

    glyphs = drawn_glyphs(certificates.render_pdf(certificate))

    assert boxes(glyphs) == []
    # Each letter has an outlined glyph in the font of its line (other lines
    # of the page may draw the same letter in other fonts).
    drawn = fonts_drawing(glyphs, latin)
    assert {c: "TOA-Serif-Bold" in drawn[c] for c in drawn} == dict.fromkeys(drawn, True)
    drawn = fonts_drawing(glyphs, native)
    assert {c: font in drawn[c] for c in drawn} == dict.fromkeys(drawn, True), script
    assert set(drawn) == {c for c in native if not c.isspace()}, script


def test_render_pdf_draws_programme_and_workshop_names_in_any_script(certificate):
    workshop = certificate.accreditation.nomination.workshop
    workshop.city, workshop.venue = "Kashiwa 柏市", "Regional Training Centre — Ōkubo"
    certificate.accreditation.programme.name = "Propriété intellectuelle — Зияткерлік меншік"
    certificate.language = "fr"

    glyphs = drawn_glyphs(certificates.render_pdf(certificate))

    assert boxes(glyphs) == []
    for text in (workshop.city, workshop.venue, certificate.accreditation.programme.name, "Délivré le"):
        assert all(fonts_drawing(glyphs, text).values()), text


def test_glyph_inspection_sees_a_letter_drawn_as_a_box():
    """The inspection above can fail: WeasyPrint alone draws a character no
    font has (U+E000, private use) as .notdef, and it is found."""
    from weasyprint import HTML

    glyphs = drawn_glyphs(HTML(string="<p>A\ue000B</p>").write_pdf())

    assert [glyph.text for glyph in boxes(glyphs)] == ["\ue000"]
    assert "\ue000" in "".join(glyph.text for glyph in glyphs)  # the text layer alone would not tell


def test_render_pdf_refuses_a_character_no_font_has_before_drawing_it(certificate, caplog):
    certificate.accreditation.official.name_native = "佐藤 \ue000"

    with pytest.raises(fonts.MissingGlyph) as refused:
        certificates.render_pdf(certificate)

    assert str(refused.value) == "no font for \ue000 (U+E000): none of the installed fonts has this character"
    assert ".notdef" not in caplog.text  # refused by the coverage check, before anything was drawn


def test_notdef_warning_during_a_render_is_an_error():
    from weasyprint import HTML

    _css, font_config = certificates.stylesheet()

    with pytest.raises(fonts.MissingGlyph) as refused, fonts.notdef_as_error(font_config):
        HTML(string="<p>A\ue000B</p>").write_pdf(font_config=font_config)

    assert refused.value.character == "\ue000"


def test_certificate_render_of_a_character_no_font_has_fails_with_the_reason(certificate):
    official = certificate.accreditation.official
    official.name_native = "佐藤 \ue000"
    official.save(update_fields=["name_native"])

    assert services.certificate_render(certificate_id=certificate.pk) == RenderState.FAILED

    certificate.refresh_from_db()
    assert certificate.render_error == "no font for \ue000 (U+E000): none of the installed fonts has this character"
    assert not certificate.pdf


@pytest.mark.parametrize(
    ("character", "package_visible", "expected"),
    [
        ("陽", False, "no font for 陽 (U+967D): install fonts-noto-cjk"),
        ("김", False, "no font for 김 (U+AE40): install fonts-noto-cjk"),
        ("ស", False, "no font for ស (U+179F): install fonts-noto-core"),
        ("\ue000", True, "no font for \ue000 (U+E000): none of the installed fonts has this character"),
    ],
)
def test_missing_glyph_reason_names_the_package(character, package_visible, expected):
    assert (
        certificates.render_failure_reason(fonts.MissingGlyph(character, package_visible=package_visible)) == expected
    )


def test_missing_glyph_reason_in_french():
    with translation.override("fr"):
        reason = certificates.render_failure_reason(fonts.MissingGlyph("陽"))

    assert reason == "aucune police pour 陽 (U+967D) : installer fonts-noto-cjk"
