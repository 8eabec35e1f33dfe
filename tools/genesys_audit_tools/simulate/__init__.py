"""`genesys-audit simulate`: the whole pipeline offline on an embedded AWS, from the module's own plan."""
