"""The WSIS namespace class and ontology/wsisgraph.ttl declare the same terms, both ways."""
import pyoxigraph as ox

from wsisgraph import data_path
from wsisgraph.namespaces import WSIS


def ontology_terms():
    prefix = str(WSIS._NS)
    kinds = {"http://www.w3.org/2002/07/owl#Class", "http://www.w3.org/2002/07/owl#ObjectProperty",
             "http://www.w3.org/2002/07/owl#DatatypeProperty"}
    return {t.subject.value[len(prefix):] for t in ox.parse(path=str(data_path("ontology", "wsisgraph.ttl")))
            if t.predicate.value.endswith("#type") and t.object.value in kinds and t.subject.value.startswith(prefix)}


def test_namespace_matches_ontology():
    declared = {name for name in WSIS.__annotations__}
    assert declared == ontology_terms()


def test_every_ontology_term_has_label_and_comment_or_range():
    graph = list(ox.parse(path=str(data_path("ontology", "wsisgraph.ttl"))))
    labelled = {t.subject.value for t in graph if t.predicate.value.endswith("#label")}
    for term in ontology_terms():
        assert str(WSIS[term]) in labelled, term
