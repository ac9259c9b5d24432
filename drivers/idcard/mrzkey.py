"""The MRZ key a travel-document reader opens documents with (Basic Access Control)."""

from __future__ import annotations

import threading

from drivers.idcard import icao


class MrzKeyHolder:
    """The key the citizen keyed in, or the configured one; shared by the PC/SC reader and the
    simulator. `_retry_denied` (run on the device worker) re-reads a card refused earlier."""

    def _init_mrz(self, configured: object) -> None:
        self._mrz_lock = threading.Lock()
        self._configured_mrz = icao.MrzKey.parse(str(configured)) if configured else None
        self._mrz: icao.MrzKey | None = self._configured_mrz

    def _current_mrz(self) -> icao.MrzKey | None:
        with self._mrz_lock:
            return self._mrz

    def set_mrz(self, key: icao.MrzKey | str) -> None:
        """Use this MRZ key from now on (the citizen keyed it in).

        The terminal hands an `icao.MrzKey`, validated when it was made. Text (the `mrz` option's
        form, for bench tools and tests) is parsed first; ValueError when it is malformed. A card
        that is already in the reader and was refused is read again with the new key.
        """
        if isinstance(key, str):
            try:
                key = icao.MrzKey.parse(key)
            except icao.IcaoError as exc:
                raise ValueError(str(exc)) from None
        with self._mrz_lock:
            self._mrz = key
        self._submit(self._retry_denied)  # type: ignore[attr-defined]  # Device's worker

    def clear_mrz(self) -> None:
        """Forget the key the citizen keyed in (session over); back to the configured one."""
        with self._mrz_lock:
            self._mrz = self._configured_mrz

    def _retry_denied(self) -> None:
        raise NotImplementedError
