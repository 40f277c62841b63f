"""What counts as a mention (annotation.md): forms that must match, and traps that must not."""
import pytest

from wsisgraph.gazetteer import fold, load_gazetteer


def found(text):
    return {(c.scheme, c.notation) for m in load_gazetteer().find(text) for c in m.concepts}


@pytest.mark.parametrize("text,expected", [
    ("SDG 4 matters", {("sdg", "4")}),
    ("SDG4 and Goal 9", {("sdg", "4"), ("sdg", "9")}),
    ("SDGs 3, 4 and 5", {("sdg", "3"), ("sdg", "4"), ("sdg", "5")}),
    ("SDG target 4.4", {("sdg", "4.4")}),
    ("see target 9.c", {("sdg", "9.c")}),
    ("Quality Education for all", {("sdg", "4")}),
    ("ODD 4 et ODS 5", {("sdg", "4"), ("sdg", "5")}),
    ("Éducation de qualité", {("sdg", "4")}),
    ("Igualdad de género", {("sdg", "5")}),
    ("Action Line C5", {("actionline", "C5")}),
    ("C7.4 and C11", {("actionline", "C7.4"), ("actionline", "C11")}),
    ("e-agriculture pilots", {("actionline", "C7.7")}),
    ("ethical dimensions of the information society", {("actionline", "C10")}),
    ("the Action Line on capacity building", {("actionline", "C4"), ("topic", "capacity-building")}),
    ("UN General Assembly", {("organization", "unga")}),
    ("Digital@UNGA", {("event", "digital-unga")}),
    ("WSIS Forum 2024 and IGF 2023", {("event", "wsis-forum"), ("event", "igf")}),
    ("GSR-25", {("event", "gsr")}),
    ("ransomware and LLMs", {("topic", "cybersecurity"), ("topic", "artificial-intelligence")}),
    ("ciberseguridad e inteligencia artificial", {("topic", "cybersecurity"), ("topic", "artificial-intelligence")}),
    ("Geneva, Switzerland", {("country", "CH")}),
    ("Republic of Korea, Türkiye, Côte d’Ivoire, USA", {("country", c) for c in ("KR", "TR", "CI", "US")}),
    ("the gender digital divide", {("topic", "gender"), ("topic", "digital-divide")}),
])
def test_mentions(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize("text", [
    "5G networks", "the G20 summit", "COVID-19", "C-level executives", "our C-suite", "the G7",
    "Geneva and Nairobi", "Africa and the Americas", "the SDGs as a whole", "SDGs by 2030",
    "quality education in schools", "who said so", "tell us", "building capacity of staff",
    "civic space online", "a broad spectrum of views", "https://www.itu.int/wsis/C5/sdg-4",
    "Organization type: UN-APCDG",
])
def test_traps_name_no_goal_line_or_place(text):
    hits = found(text)
    assert not {h for h in hits if h[0] in ("sdg", "actionline", "country")}, hits
    assert ("organization", "un") not in hits


def test_capacity_building_is_an_action_line_only_beside_one():
    assert ("actionline", "C4") not in found("We invest in capacity building for staff.")


def test_fold_keeps_offsets():
    text = "İstanbul – Côte d’Ivoire\u00a0ITU https://x.org/a"
    folded = fold(text)
    assert len(folded) == len(text) and "côte d'ivoire itu" in folded and "https" not in folded


def test_offsets_give_back_the_quote():
    text = "Under Action Line C5, SDG 3 and the WHO met in Côte d'Ivoire."
    for m in load_gazetteer().find(text):
        assert text[m.start:m.end] in ("C5", "SDG 3", "WHO", "Côte d'Ivoire")
