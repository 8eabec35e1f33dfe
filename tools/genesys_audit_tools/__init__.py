"""Tools never shipped to Lambda: the genesys-audit CLI, the offline plan harness, the stand-in provider."""
