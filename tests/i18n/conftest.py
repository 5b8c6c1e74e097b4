import pytest
from django.utils.translation import trans_real

from coding.catalogues import compile_catalogues


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues():
    """The catalogues compiled as `make install` does (a bare pytest run may come first);
    translations Django already loaded are forgotten so that the new .mo files are read."""
    if compile_catalogues():
        trans_real._translations = {}
        trans_real._default = None
