# Matrix-implied links, the third kind of link: a document names an Action Line (explicitly), and the
# WSIS-SDG Matrix links that line, or the C7 line above a named sub-line, to an SDG. The link goes into the
# document's graph as a wsis:MatrixImpliedLink, derived from the matrix row and from the mentions; it is never
# a wsis:Mention or a wsis:TopicalLink, so the mentions query does not count it.
# Run by `wsisgraph build` after loading (prefixes come from wsisgraph.namespaces.PREFIXES). An update's
# default graph is the store's own (empty) default graph, so every pattern names its graph.
INSERT {
  GRAPH ?doc {
    ?link a wsis:MatrixImpliedLink ;
          oa:motivatedBy oa:linking ;
          oa:hasBody ?sdg ;
          oa:hasTarget ?target ;
          wsis:method "wsis-sdg-matrix" ;
          prov:wasDerivedFrom ?row, ?mention .
  }
}
WHERE {
  GRAPH ?doc {
    ?mention a wsis:Mention ;
             oa:motivatedBy oa:identifying ;
             oa:hasBody ?named ;
             oa:hasTarget ?target .
  }
  GRAPH ?schemes { ?named a wsis:ActionLine . }
  GRAPH ?matrix {
    ?row a wsis:MatrixLink ;
         wsis:actionLine ?line ;
         wsis:sdg ?sdg .
  }
  FILTER (?named = ?line || EXISTS { GRAPH ?schemes { ?named skos:broader ?line } })
  FILTER NOT EXISTS { GRAPH ?doc { ?explicit oa:hasBody ?sdg ; oa:motivatedBy oa:identifying . } }
  BIND (IRI(CONCAT(STR(?doc), "/matrix-implied/", STRAFTER(STR(?sdg), "http://metadata.un.org/sdg/"))) AS ?link)
}
