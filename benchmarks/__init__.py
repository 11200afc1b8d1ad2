"""Side-by-side benchmarks: Flask-JWT-Kit against Flask-JWT-Extended 4.7.4.

Run them with ``make bench`` (which installs the ``bench`` extra), or
``python -m benchmarks`` once it is installed; ``--quick`` makes a short
smoke run. Each implementation is measured in a process of its own, on the
same Flask application (:mod:`benchmarks.apps`), and the report gives
ratios measured in one run, next to the targets of docs/performance.rst.

Modules, one part each:

``apps``        the application both implementations are measured on
``wsgi``        that application for gunicorn
``timing``      rounds of timed calls, medians and spreads
``inprocess``   create, decode and test-client requests (one process per implementation)
``server``      gunicorn with one sync worker, driven by ``wrk`` on loopback
``instructions`` instructions per request counted by valgrind (run on its own)
``footprint``   memory of the decode cache (tracemalloc)
``revocation``  revocation check cost of every store with 1,000 and 1,000,000 entries
``machine``     the machine and versions the figures were taken on
``report``      the table of figures, ratios and targets
"""
