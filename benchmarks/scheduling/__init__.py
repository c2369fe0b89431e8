"""Scheduling benchmarks: MSPSP-InstLib and iMOPSE instances as scheduling data, with their
independent checkers (``*_data``), the runners behind ``fieldopt bench mspsp | imopse`` and
``schedule-scale``. Every row's ``engine`` is ``cpsat``."""
