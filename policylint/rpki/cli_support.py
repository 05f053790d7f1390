"""RPKI data for the command line: one call, errors as text (the CLI exits 2 on them)."""

from __future__ import annotations

from policylint.rpki.index import VrpIndex
from policylint.rpki.loaders import VrpData
from policylint.rpki.rtr import RtrClient, RtrError, parse_endpoint
from policylint.rpki.slurm import load_slurm
from policylint.rpki.source import index_from_data, load_vrps, stale_warnings
from policylint.rpki.vrp import RpkiDataError

RTR_TIMEOUT = 10.0


def load_rpki_data(
    vrps: str | None, rtr: str | None, slurm: str | None
) -> tuple[VrpIndex | None, tuple[str, ...], str]:
    """(index, warnings, error): the index is None exactly when ``error`` says why."""
    try:
        if vrps is not None:
            loaded = load_vrps(vrps, slurm)
            return loaded.index, loaded.warnings, ""
        assert rtr is not None
        host, port = parse_endpoint(rtr)
        with RtrClient(host, port, timeout=RTR_TIMEOUT) as client:
            client.reset()
            rows = list(client.vrps)
            where, version = client.where, client.version
        data = VrpData.from_rows(where, f"rtr v{version}", rows)
        if slurm is not None:
            data = load_slurm(slurm).apply(data)
        index = index_from_data(data)
        return index, stale_warnings(index), ""
    except RpkiDataError as exc:
        return None, (), f"RPKI data: {exc}"
    except RtrError as exc:
        return None, (), str(exc)
    except ValueError as exc:  # a malformed --rtr endpoint
        return None, (), f"--rtr: {exc}"
