"""Records files for the tests: RIS with known duplicates, BibTeX, CSV."""

# Nesta: 4 records; the 4th repeats the 1st by DOI (within the file).
NESTA_RIS = """TY  - RPRT
TI  - Residents run the village library
AU  - Smith, Jane
AU  - Doe, John
PY  - 2015///
AB  - Volunteers and the council share the library's running.
DO  - https://doi.org/10.1000/LIB.1
UR  - https://example.org/library
ID  - n1
ER  -

TY  - RPRT
TI  - Parents plan school meals
AU  - Berg, Anna
PY  - 2019
ER  -

TY  - JOUR
T1  - A national survey of parking permits
PY  - 2020
AB  - Not about coproduction.
ER  -

TY  - RPRT
TI  - Residents Run the Village Library (summary)
PY  - 2015
DO  - 10.1000/lib.1
ER  -
"""

# Governance International: 3 records; the 1st repeats Nesta's 2nd by title and year
# (punctuation and case differ), the 3rd has the same title as Nesta's 2nd but another year.
GI_RIS = """TY  - RPRT
TI  - Parents plan school-meals!
PY  - 2019
ER  -

TY  - RPRT
TI  - Older people's circles in Kita
PY  - 2016
ER  -

TY  - RPRT
TI  - Parents plan school meals
PY  - 2012
ER  -
"""

BIBTEX = r"""@techreport{smith2015,
  title = {Residents run the {Village} library},
  author = {Smith, Jane and M{\"u}ller, Karl},
  year = {2015},
  doi = {10.1000/LIB.1},
  url = {https://example.org/library}
}

@article{berg2019,
  title = "Tenants repair their estate",
  author = "Berg, Anna",
  year = 2019,
  abstract = {Tenants and the housing office.}
}
"""

CSV = ("title,authors,year,abstract,url,doi,id\n"
       "Residents run the village library,Smith; Doe,2015,,https://example.org/x,,c1\n"
       "Youth councils,,2018,Young people advise the council.,,10.1/YC,c2\n")
