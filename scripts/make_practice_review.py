"""Write the practice review's files into fixtures/practice/: six short fictional case
reports (three PDFs, three HTML pages), the cases CSV, the documents manifest and the candidate
records to screen (records.ris).

The bundled coproduction review cannot ship its cases' full texts (they are not ours to
redistribute), so these reports exist to give a new coder something to code from. Every
programme, place and person in them is invented. Each report says so on its first line.

Run it after editing a report (fpdf2, which writes the PDFs, is a dev dependency):

    make practice-files

The output is reproducible (fixed creation dates), so an unchanged report gives an unchanged
file and git shows only real edits.
"""

import csv
import datetime
import html
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "practice"
NOTICE = (
    "Fictional case report, written for training coders in the coproduction coding app. "
    "The programme, places, organisations and people are invented."
)
CREATED = datetime.datetime(2026, 11, 29, tzinfo=datetime.UTC)

# Each report: the case's facts (the cases CSV columns), the format of its full text, and
# its sections. The texts give evidence for most attributes of the coproduction codebook and
# leave a few unreported on purpose, as real reports do.
REPORTS = [
    {
        "number": "1", "format": "pdf", "country": "UK", "year": "2017",
        "service_area": "Public safety",
        "title": "Street watch volunteers in Harlow Vale",
        "summary": "Residents of a small town organise evening street patrols with the "
                   "local police team.",
        "sections": [
            ("Background", [
                "Harlow Vale is a market town of about 14,000 people. After a run of "
                "burglaries and car thefts in the winter of 2016, residents of the Meadow "
                "Lane estate met in the community hall and agreed to walk the estate's "
                "streets in pairs on weekday evenings.",
                "The group was started by the residents themselves. Nobody from the council "
                "or the police asked them to do it, and for the first three months the police "
                "only heard about the patrols from a local newspaper.",
            ]),
            ("How the programme works", [
                "About forty volunteers take part, most of them retired people and parents of "
                "school-age children. Each evening two volunteers walk a fixed route, note "
                "broken street lights and unlocked garages, and report suspicious activity "
                "to the neighbourhood police officer by a shared phone line.",
                "From April 2017 the neighbourhood policing team joined the group's monthly "
                "meeting, gave the volunteers a short training session and shared a weekly "
                "summary of reported incidents. There was no written agreement between the "
                "group and the police: the arrangement rested on the monthly meetings.",
            ]),
            ("What changed", [
                "Reported burglaries on the estate fell from 31 in 2016 to 12 in 2018. "
                "Volunteers said they now knew neighbours they had never spoken to before, "
                "and several described checking on elderly residents during their rounds. "
                "The number of residents attending the monthly meeting doubled over two "
                "years.",
                "The police sergeant responsible for the area said that the group had "
                "'made the estate easier to police', because problems were reported earlier.",
            ]),
        ],
    },
    {
        "number": "2", "format": "html", "country": "Norway", "year": "2019",
        "service_area": "Health care",
        "title": "Diabetes self-management circles in Ostby county",
        "summary": "Patients with type 2 diabetes and hospital nurses run peer groups "
                   "together.",
        "sections": [
            ("Background", [
                "Ostby county hospital trust serves about 220,000 people, of whom some 9,000 "
                "live with type 2 diabetes. Nurses at the trust's outpatient clinic found that "
                "patients forgot most of the advice given in short consultations.",
            ]),
            ("How the programme works", [
                "In 2019 the clinic and the county branch of the national diabetes patients' "
                "association, a non-profit organisation, set up 'self-management circles': "
                "groups of eight patients who meet every fortnight for six months. Each "
                "circle is led jointly by a diabetes nurse and a trained patient who has "
                "lived with the condition for several years.",
                "The trust and the association signed a cooperation agreement that sets out "
                "who recruits the patient leaders, who pays for the rooms and how patients' "
                "data are protected.",
                "At the end of every circle the participants fill in a questionnaire about the "
                "sessions; the answers are discussed by the clinic's staff and the patient "
                "leaders, who changed the programme twice as a result.",
            ]),
            ("What changed", [
                "Of 412 patients who completed a circle by 2022, 71 per cent reported that "
                "they adjusted their own medication and diet with more confidence. Average "
                "blood sugar (HbA1c) fell modestly. Patients rated the circles 4.6 out of 5, "
                "higher than any other service of the clinic.",
                "Several participants said the circles were where they first met other "
                "people with the condition, and that they kept in touch and helped each "
                "other with shopping and exercise after the circle ended.",
            ]),
        ],
    },
    {
        "number": "3", "format": "pdf", "country": "Brazil", "year": "2014",
        "service_area": "Budgeting",
        "title": "Participatory budgeting for school repairs in Valmira",
        "summary": "The city's finance department lets residents decide which school "
                   "buildings are repaired first.",
        "sections": [
            ("Background", [
                "Valmira is a city of about 600,000 people. In 2013 a survey of the city's "
                "140 public school buildings found that more than half needed repairs, and "
                "the repair budget covered about a fifth of them each year.",
            ]),
            ("How the programme works", [
                "The city's finance department designed and ran the programme. It divided "
                "the city into nine districts; in each district, residents elected a district "
                "council of parents, teachers and neighbours, which visited the schools and "
                "ranked the repair projects. The district councils met the department's "
                "engineers four times a year to agree on costs.",
                "The department also worked with the state education secretariat, which "
                "owns some of the school buildings, and with a local university that trained "
                "the district councils in reading budgets and tender documents.",
                "Each year the nine councils' rankings were combined into a single repair "
                "plan, which the city council adopted as part of the municipal budget law. "
                "Once adopted, the plan bound the finance department.",
            ]),
            ("What changed", [
                "Between 2014 and 2018, 96 schools were repaired in the order the residents "
                "chose. The department reported that its engineers now planned repairs with "
                "better information and finished them faster, because district councils "
                "reported defects directly.",
                "Turnout at the district assemblies rose from about 2,000 residents in 2014 "
                "to more than 9,000 in 2018. Council members said that they had learned how "
                "the city budget works and how to question the figures they were given.",
            ]),
        ],
    },
    {
        "number": "4", "format": "html", "country": "Finland", "year": "2020",
        "service_area": "General public services",
        "title": "Co-designing the national online tax return",
        "summary": "The national tax administration redesigns its online tax return with "
                   "a panel of taxpayers.",
        "sections": [
            ("Background", [
                "The national tax administration receives about three million personal tax "
                "returns a year. Calls to its helpline peaked every spring, most of them "
                "about the same few screens of the online service.",
            ]),
            ("How the programme works", [
                "In 2020 the administration's digital services unit recruited a panel of 60 "
                "taxpayers, chosen to include pensioners, students, self-employed people and "
                "people who do not speak the national languages as their first language. "
                "Panel members tested early versions of the new service and took part in "
                "design workshops with the unit's staff and with the private software firm "
                "that builds the service under contract.",
                "After launch, the administration asked every user to rate the service in a "
                "short online survey at the end of the return, and the panel reviewed the "
                "results each quarter.",
            ]),
            ("What changed", [
                "Calls to the helpline in the spring of 2022 were 38 per cent fewer than in "
                "2019, and the share of returns completed online rose from 61 to 79 per "
                "cent. Users' ratings of the service rose from 3.2 to 4.1 out of 5.",
                "The report does not say whether the panel's role was set down in any formal "
                "agreement.",
            ]),
        ],
    },
    {
        "number": "5", "format": "pdf", "country": "Japan", "year": "2016",
        "service_area": "Elder care",
        "title": "Neighbourhood support for older people in Kita-Minato ward",
        "summary": "Trained volunteers and the ward's care office support older people "
                   "living alone.",
        "sections": [
            ("Background", [
                "In Kita-Minato ward one resident in three is over 65, and about 4,000 older "
                "people live alone. The ward's care office could visit each of them only a "
                "few times a year.",
            ]),
            ("How the programme works", [
                "Older residents who use the ward's home-care service asked the care office "
                "for more regular contact. In response, the office and two non-profit "
                "neighbourhood associations trained 150 volunteers, many of them older "
                "people themselves, to visit their neighbours weekly, help with small tasks "
                "and tell the care office when someone needs more help.",
                "The volunteers also run a weekly lunch club and exercise class in the "
                "community centre, where the ward's public health nurses check blood pressure "
                "and give advice on medicines. The programme thus touches both the ward's "
                "care services and its public health work.",
            ]),
            ("What changed", [
                "The care office reported that it learned of problems earlier and could plan "
                "its visits better. Volunteers and the people they visited described new "
                "friendships and said they looked out for each other between visits. "
                "Several visited residents said they now managed their own medicines with "
                "more confidence.",
                "The report does not describe how the roles of the care office and the "
                "associations were settled.",
            ]),
        ],
    },
    {
        "number": "6", "format": "html", "country": "Germany", "year": "2018",
        "service_area": "Employment;Immigrant service",
        "title": "Mentoring refugees into work in Rheinfeld",
        "summary": "Volunteer mentors, employers and the state's employment agency help "
                   "refugees find work.",
        "sections": [
            ("Background", [
                "In 2016 and 2017 the state of Rheinfeld received about 30,000 refugees. Many "
                "had professional qualifications, but few found work in their first two "
                "years.",
            ]),
            ("How the programme works", [
                "A network of volunteers, mostly people in work who wanted to help, proposed "
                "pairing each refugee with a mentor from the same profession. The idea came "
                "from the volunteers; the state labour ministry took it up in 2018.",
                "The ministry, the regional chamber of commerce (which represents private "
                "employers) and the volunteer network signed a framework agreement that "
                "defines the mentors' role, the employers' commitment to offer work trials "
                "and the ministry's funding of language courses. Integration services of the "
                "state's employment agency refer refugees to the programme.",
                "Mentors meet their mentees every two weeks for a year, help with "
                "applications and recognition of qualifications, and report each quarter "
                "with the mentees on what worked and what did not.",
            ]),
            ("What changed", [
                "Of 1,150 mentees in the first three years, 540 found a job or an "
                "apprenticeship within a year, about twice the rate of a comparison group. "
                "Mentees said they understood German workplaces better; mentors said they "
                "had learned much about the recognition system and about their mentees' "
                "countries. Both groups described the relationship as built on trust.",
            ]),
        ],
    },
]


def write_cases_csv(path: Path) -> None:
    source = ("Fictional case report written for the practice review of this app "
              "(scripts/make_practice_review.py).")
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["number", "title", "country", "year", "service_area", "summary",
                         "source"])
        for report in REPORTS:
            writer.writerow([report["number"], report["title"], report["country"],
                             report["year"], report["service_area"], report["summary"],
                             source])


def write_manifest(path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["case", "file", "title", "public"])
        for report in REPORTS:
            writer.writerow([report["number"], file_name(report),
                             f"Case report: {report['title']}", "true"])


# Stage one's candidate set (records.ris, loaded by coding/records/practice.py): the six reports
# above (eligible), one of them again under a slightly different title (a suspected duplicate),
# and five reports that each fail one eligibility criterion.
CANDIDATES = [
    ("Street Watch Volunteers in Harlow Vale", 2017,
     "A shorter version of the same report, published in the town's newsletter: residents and "
     "the local police team patrol the streets together in the evenings."),
    ("Online renewal of parking permits in Harlow Vale", 2018,
     "The town council moved the renewal of residents' parking permits to its website. Council "
     "staff designed and built the service alone; residents only use it. Renewals now take two "
     "days instead of two weeks."),
    ("A survey of patients on the opening hours of Ostby county hospital", 2019,
     "The hospital asked two thousand patients which opening hours of its outpatient clinics "
     "they preferred, and its board then set new hours. Patients answered one questionnaire and "
     "took no further part; no outcomes of the new hours are reported."),
    ("Beach clean-up days organised by residents of Rheinfeld", 2021,
     "Residents meet on the first Saturday of each month to collect litter along the river "
     "beach. The group buys its own bags and gloves; no public body or professional takes "
     "part. Volunteers collected four tonnes of litter in a year."),
    ("Plans for a new bus timetable in Valmira", 2022,
     "The city's transport company and a riders' forum are drafting a new bus timetable "
     "together; the forum meets each month with the company's planners. The timetable will "
     "start next year, and nothing is yet known of its effects."),
    ("A history of volunteering in Kita-Minato ward", 2015,
     "A local historian describes a century of volunteer groups in the ward, from fire "
     "brigades to reading clubs, with interviews of former members. The book sets out no "
     "programme, goal or process of a public service."),
]


def write_records_ris(path: Path) -> None:
    rows = [(report["title"], report["year"], report["summary"]) for report in REPORTS]
    lines = []
    for number, (title, year, abstract) in enumerate([*rows, *CANDIDATES], start=1):
        lines += ["TY  - RPRT", f"TI  - {title}", f"PY  - {year}", f"AB  - {abstract}",
                  f"ID  - practice-{number}", "ER  - ", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def file_name(report: dict) -> str:
    return f"{report['number']}.{report['format']}"


def write_html(report: dict, path: Path) -> None:
    parts = [
        "<!doctype html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f"<title>{html.escape(report['title'])}</title>", "</head>", "<body>",
        f"<p><em>{html.escape(NOTICE)}</em></p>",
        f"<h1>{html.escape(report['title'])}</h1>",
        f"<p>{html.escape(report['country'])}, {report['year']}. "
        f"{html.escape(report['summary'])}</p>",
    ]
    for heading, paragraphs in report["sections"]:
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        parts.extend(f"<p>{html.escape(text)}</p>" for text in paragraphs)
    parts += ["</body>", "</html>", ""]
    path.write_text("\n".join(parts), encoding="utf-8")


def write_pdf(report: dict, path: Path) -> None:
    from fpdf import FPDF  # only the generator needs it

    pdf = FPDF(format="A4")
    pdf.set_creation_date(CREATED)
    pdf.set_title(report["title"])
    pdf.set_author("Practice review (fictional)")
    pdf.set_margins(25, 25, 25)
    pdf.set_auto_page_break(True, margin=25)
    pdf.add_page()
    pdf.set_font("Helvetica", "I", 9)
    pdf.multi_cell(0, 5, NOTICE, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 8, report["title"], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.multi_cell(0, 6, f"{report['country']}, {report['year']}. {report['summary']}",
                   new_x="LMARGIN", new_y="NEXT")
    for index, (heading, paragraphs) in enumerate(report["sections"]):
        if index == 2:
            # Results on a page of their own, so that evidence has page numbers to point to.
            pdf.add_page()
        pdf.ln(4)
        pdf.set_font("Helvetica", "B", 12)
        pdf.multi_cell(0, 7, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 11)
        for text in paragraphs:
            pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
    pdf.output(str(path))


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    write_cases_csv(OUT / "cases.csv")
    write_manifest(OUT / "manifest.csv")
    write_records_ris(OUT / "records.ris")
    for report in REPORTS:
        target = OUT / file_name(report)
        (write_pdf if report["format"] == "pdf" else write_html)(report, target)
        print(f"wrote {target.relative_to(OUT.parent.parent)}")


if __name__ == "__main__":
    main()
