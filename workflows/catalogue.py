"""What is deployed, as the web layer reads it: the engine's catalogue of deployments."""

from __future__ import annotations

from engine import Engine
from engine.catalogue import Catalogue as _EngineCatalogue
from engine.catalogue import DefinitionInfo, DeploymentFile, DeploymentInfo

__all__ = ["Catalogue", "DefinitionInfo", "DeploymentFile", "DeploymentInfo"]


class Catalogue(_EngineCatalogue):
    """The engine's catalogue, built from an :class:`Engine`."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine.db)
