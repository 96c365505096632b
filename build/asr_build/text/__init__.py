"""Hindi text for the synthetic speech corpus, one module per job: `normalise` (spelling policy),
`sentences` (hand-written), `grammar` (generated sentences), `sources` (installed packages), `split`
(seeded sentence-level split) and `ood` (the out-of-domain dev set, never in training)."""
