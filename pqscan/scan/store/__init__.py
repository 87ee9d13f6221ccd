"""The scan store: a SQLite file holding many scan runs, each endpoint saved as it finishes.

Writers use `ScanStore`; every reader goes through `list_runs`, `iter_endpoints`,
`load_source` (a store or a report file alike) and `report_from_source`.
"""

from pqscan.scan.store.reading import (
    RunInfo,
    is_store,
    iter_endpoints,
    list_runs,
    load_source,
    report_from_source,
    run_metadata,
)
from pqscan.scan.store.writer import ScanStore, endpoint_key, target_key

__all__ = ["RunInfo", "ScanStore", "endpoint_key", "is_store", "iter_endpoints", "list_runs",
           "load_source", "report_from_source", "run_metadata", "target_key"]
