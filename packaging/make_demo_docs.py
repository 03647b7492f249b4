"""Builds the binary demo documents of the fictional Brellvik Coffee Systems from the text kept in this file.

The PDF, Word and Excel files in assets/demo/documents are generated, never edited by hand, so that every
fact the scripted questions ask about can be reviewed in git. Change the text here, run
``python packaging/make_demo_docs.py``, and commit the script and the files together. The output is
byte-for-byte reproducible (fixed dates, fixed zip timestamps): regenerating unchanged text changes nothing.

The Markdown and HTML demo documents are plain text already and live in that folder as they are.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpdf import FPDF

COMPANY = "Brellvik Coffee Systems B.V."
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "assets" / "demo" / "documents"
FROZEN = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
"""Every generated file claims this creation time, so rebuilding the same text gives the same bytes."""

# ------------------------------------------------------------------------------------------------------
# Employee handbook (PDF). One entry per physical page after the title page; a block is ("h", heading),
# ("p", paragraph with **bold**), ("ul", [items]) or ("table", widths, header, rows).
# The scripted questions cite these page numbers, and the builder refuses a page that overflows.
# ------------------------------------------------------------------------------------------------------

Block = tuple
HANDBOOK_TITLE = "Employee Handbook"
HANDBOOK_VERSION = "Version 2026.1 · effective 1 January 2026"

HANDBOOK_PAGES: list[tuple[str, list[Block]]] = [
    ("1. Welcome to Brellvik", [
        ("p", "Brellvik Coffee Systems designs, builds and services bean-to-cup coffee machines for offices, "
              "hotels and canteens. Ingrid Brellvik founded the company in Eindhoven in 2009 with four "
              "engineers and one prototype. Today about 340 colleagues work at our Eindhoven headquarters, "
              "our assembly plant in Helmond and our service hubs in Antwerp, Düsseldorf and Lyon."),
        ("p", "This handbook explains how we work together: when and where we work, how we travel and spend "
              "company money, and how we keep our customers' data and our own safe. It applies to every "
              "employee on a Brellvik employment contract. Where your contract says something different, "
              "your contract wins."),
        ("p", "The handbook is updated every January. This is version 2026.1, effective 1 January 2026. "
              "Suggestions are welcome: write to hr@brellvik.example."),
        ("h", "Contents"),
        ("table", (140, 26), ("Chapter", "Page"), [
            ("1. Welcome to Brellvik", "2"),
            ("2. Working hours and hybrid work", "3"),
            ("3. Holidays and leave", "4"),
            ("4. Business travel", "5"),
            ("5. Expenses and approvals", "6"),
            ("6. Information security", "7"),
            ("7. Conduct, gifts and contacts", "8"),
        ]),
        ("h", "Where to find things"),
        ("ul", [
            "**Pulse** is our HR portal: leave requests, sick reports, payslips and personal details.",
            "**Spendwise** is the expenses app, on your laptop and your phone.",
            "**Brellvik Drive** holds shared documents. Do not keep company files anywhere else.",
            "The **IT Service Desk** is on extension 4444, day and night.",
        ]),
    ]),
    ("2. Working hours and hybrid work", [
        ("h", "Working hours"),
        ("p", "A full-time week at Brellvik is 38 hours. You plan your own day around the core hours of "
              "10:00 to 15:00, Monday to Thursday, when everyone is available for meetings. On Fridays "
              "there are no core hours and we keep meetings to a minimum."),
        ("p", "Overtime must be agreed with your manager beforehand. It is compensated in time off, one hour "
              "for each hour worked, or for roles up to salary scale 7 paid at 125% of the hourly rate."),
        ("h", "Hybrid work"),
        ("p", "Most office roles are hybrid. You may work from home **up to two days per week**, agreed with "
              "your manager in advance. Tuesday and Thursday are office days for every team, so that "
              "colleagues actually meet. Roles in assembly, the warehouse and field service are on site by "
              "nature and are not covered by the hybrid arrangement."),
        ("h", "Working from abroad"),
        ("p", "You may work from another EU country for up to 20 working days per calendar year, with "
              "written approval from HR at least two weeks before you leave. Working remotely from "
              "outside the EU is not allowed, for tax and data-protection reasons."),
        ("h", "Home office"),
        ("p", "Brellvik pays a one-off home-office allowance of €400 for a desk chair, a screen or a "
              "headset. Submit the receipts in Spendwise within three months of your start date. We also "
              "pay a monthly internet allowance of €30 with your salary."),
        ("p", "Your home workplace must meet the same standards as the office: a proper chair, a screen "
              "at eye height and a door you can close for confidential calls."),
    ]),
    ("3. Holidays and leave", [
        ("h", "Annual leave"),
        ("p", "Full-time employees receive **27 days of paid annual leave** per calendar year, on top of the "
              "Dutch public holidays. Part-time colleagues receive the same pro rata. After every five full "
              "years of service you receive one extra day, up to a maximum of 30 days."),
        ("p", "**Brew Day:** every employee also gets one extra day off in the month of their birthday. It "
              "cannot be carried over or paid out."),
        ("h", "Requesting leave"),
        ("p", "Request leave in Pulse. For five or more consecutive working days, submit the request at "
              "least four weeks in advance; your manager replies within five working days."),
        ("p", "Up to five unused days may be carried over into the next year. Carried-over days must be "
              "taken before 1 July; after that date they expire."),
        ("p", "The Eindhoven headquarters and the Helmond plant close between Christmas and New Year. Two of "
              "your 27 days are reserved for this closure."),
        ("h", "Sickness"),
        ("p", "If you are ill, call your manager before 09:00 on your first day of absence (a chat "
              "message or e-mail is not enough) and register the absence in Pulse. From the eighth day of "
              "absence our occupational health doctor will contact you."),
        ("h", "Special leave"),
        ("table", (120, 46), ("Occasion", "Paid leave"), [
            ("Your wedding or registered partnership", "2 days"),
            ("Moving house", "1 day"),
            ("Death of a partner, child or parent", "4 days"),
            ("Death of another close family member", "1 day"),
        ]),
        ("p", "Birth leave and parental leave follow Dutch law. Brellvik tops up paid parental leave to "
              "85% of your salary for the first nine weeks."),
    ]),
    ("4. Business travel", [
        ("p", "Book every business trip through the Brellvik travel desk (travel@brellvik.example) at "
              "least ten working days before departure. The travel desk books trains, flights and hotels "
              "on company accounts, so you do not pay for them yourself."),
        ("h", "How to travel"),
        ("ul", [
            "Take the train for destinations under 700 km, such as Paris, Frankfurt, Brussels or London.",
            "Flights of less than six hours are booked in economy class; flights of six hours or more in "
            "premium economy.",
            "Your own car is reimbursed at €0.23 per km, for trips where no reasonable public transport "
            "exists.",
            "Taxis are reimbursed when there is no public transport, or after 22:00.",
        ]),
        ("h", "Daily allowance and hotel limits"),
        ("p", "The daily allowance (per diem) covers meals, drinks and small expenses on a business trip "
              "that lasts more than eight hours. You do not need receipts for it; claim it in Spendwise. "
              "For each meal that is provided (by a customer, a conference or an airline), the allowance "
              "is reduced by one third."),
        ("table", (86, 40, 40), ("Destination", "Daily allowance", "Hotel limit per night"), [
            ("Netherlands and Belgium", "€45", "€140"),
            ("Other EU countries, Norway, Switzerland and the UK", "€58", "€170"),
            ("London, Paris and Zurich", "€58", "€230"),
            ("Outside Europe", "€72", "€210"),
        ]),
        ("p", "A hotel above the limit needs your director's approval before the booking. Travel time "
              "outside working hours counts as working time, up to eight hours per trip."),
        ("h", "Insurance"),
        ("p", "All business trips are covered by Brellvik's travel insurance, including up to seven private "
              "days added to a business trip. The emergency number is printed on the back of your badge."),
    ]),
    ("5. Expenses and approvals", [
        ("h", "Claiming expenses"),
        ("p", "Submit expenses in Spendwise within 30 days of the date on the receipt. Claims older than "
              "90 days are not reimbursed. Approved expenses are paid with the next monthly salary on the "
              "25th."),
        ("p", "Attach a photo of the receipt for every expense of €20 or more. Below €20 a short "
              "description is enough."),
        ("h", "Who approves what"),
        ("p", "Every claim and every purchase order needs approval before it is paid. The amount of the "
              "single claim or order decides who approves it:"),
        ("table", (70, 96), ("Amount", "Approved by"), [
            ("Up to €750", "Your line manager"),
            ("€750.01 to €5,000", "Your department director"),
            ("Above €5,000", "The Chief Financial Officer, with a second quote from another supplier"),
        ]),
        ("p", "Splitting one purchase into several smaller claims to stay under a limit is not allowed."),
        ("h", "Corporate card"),
        ("p", "Employees who travel more than six times a year receive a Brellvik corporate card with a "
              "monthly limit of €3,000. Never use it for private purchases, not even if you pay them "
              "back."),
        ("h", "Meals with customers"),
        ("p", "Business meals with customers are reimbursed up to €85 per person, drinks included. Name "
              "the guests and their company in the claim. Alcohol is not reimbursed when you dine alone."),
        ("h", "Not reimbursed"),
        ("ul", [
            "Traffic fines, towing costs and lost-ticket surcharges.",
            "Minibar, films and private calls in hotels.",
            "Upgrades to a higher class of travel than this handbook allows.",
        ]),
    ]),
    ("6. Information security", [
        ("p", "Coffee machines that talk to the internet are only as safe as the people who build them. "
              "These rules apply to everyone, everywhere, on every device that touches Brellvik data."),
        ("ul", [
            "**Passwords** are at least 14 characters long. A passphrase of four or more words is easiest to "
            "remember. Never reuse a Brellvik password anywhere else; keep them in Brellvik Vault, our "
            "password manager.",
            "**Multi-factor authentication** is required for every system you can reach from outside the "
            "office.",
            "**Lock your screen** whenever you leave your desk (Windows key + L). Laptops lock automatically "
            "after 5 minutes without use.",
            "**Lost or stolen devices:** report a lost laptop, phone or badge to the IT Service Desk "
            "(extension 4444, day and night) within one hour of noticing. We can only wipe a device "
            "remotely if we know quickly.",
            "**USB memory sticks** and external drives are blocked on all Brellvik laptops. Share files "
            "through Brellvik Drive.",
            "**Public Wi-Fi:** in hotels, trains and airports, connect through the Brellvik VPN before you "
            "open any company system.",
            "**AI chat services:** never paste customer data, source code or unreleased product information "
            "into a public AI chat service.",
            "**Phishing:** use the Report phishing button in Outlook for a suspicious e-mail. Do not forward "
            "it to colleagues.",
            "**Visitors** sign in at reception, wear a visitor badge and are accompanied at all times in the "
            "Helmond plant and in the lab.",
            "**Clean desk:** at the end of the day, no papers on your desk and no notes on your screen.",
        ]),
        ("p", "Everyone completes the annual security training in Pulse by 31 March. Security incidents "
              "of any kind go to security@brellvik.example; it is always better to report one too many."),
    ]),
    ("7. Conduct, gifts and contacts", [
        ("h", "Gifts and invitations"),
        ("p", "You may accept gifts or invitations from suppliers or customers worth up to €50. Anything "
              "more valuable must be declared in the gifts register in Pulse within five working days, "
              "and your manager decides whether you may keep it. Never accept cash, and never accept a "
              "gift from a supplier during a tender."),
        ("h", "Speak up"),
        ("p", "If you see something that is wrong, such as fraud, unsafe work or harassment, talk to your "
              "manager, to HR or to our confidential adviser. You can also report anonymously through the "
              "Speak Up line in Pulse. Nobody who reports in good faith will suffer for it."),
        ("h", "Who to ask"),
        ("table", (70, 96), ("Topic", "Contact"), [
            ("HR, leave and payroll", "hr@brellvik.example"),
            ("Travel bookings", "travel@brellvik.example"),
            ("IT Service Desk (day and night)", "extension 4444, servicedesk@brellvik.example"),
            ("Security incidents", "security@brellvik.example"),
            ("Confidential adviser", "Annelies Verhoef, extension 4120"),
        ]),
        ("p", "Thank you for reading. Good coffee is made by people who care about the details, and so is a "
              "good place to work."),
    ]),
]

TEAL = (0, 84, 92)
ROAST = (150, 92, 48)
INK = (35, 35, 35)


def build_handbook(path: Path) -> Path:
    """A4 handbook: title page, then one page per chapter with a running header and "Page n of N" footer."""
    from fpdf import FPDF, FontFace
    from fpdf.enums import TableBordersLayout, TableCellFillMode

    class Handbook(FPDF):
        def header(self) -> None:
            if self.page_no() == 1:
                return
            self.set_font("helvetica", size=8)
            self.set_text_color(*TEAL)
            self.cell(0, 6, f"{COMPANY} · {HANDBOOK_TITLE} 2026", new_x="LMARGIN", new_y="NEXT")
            self.set_draw_color(*TEAL)
            self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
            self.ln(8)

        def footer(self) -> None:
            if self.page_no() == 1:
                return
            self.set_y(-15)
            self.set_font("helvetica", size=8)
            self.set_text_color(110, 110, 110)
            self.cell(0, 6, "Internal · " + HANDBOOK_VERSION)
            self.set_x(self.l_margin)
            self.cell(0, 6, f"Page {self.page_no()} of {{nb}}", align="R")

    pdf = Handbook(format="A4", unit="mm")
    pdf.core_fonts_encoding = "windows-1252"  # the euro sign and typographic quotes, with the core fonts
    pdf.set_margins(22, 18, 22)
    pdf.set_auto_page_break(True, margin=22)
    pdf.set_creation_date(FROZEN)
    pdf.set_title(f"Brellvik {HANDBOOK_TITLE} 2026")
    pdf.set_author(COMPANY)
    pdf.set_subject("Working hours, leave, travel, expenses and security rules for Brellvik employees")
    pdf.set_lang("en")

    _title_page(pdf)
    header_style = FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=TEAL)
    for number, (chapter, blocks) in enumerate(HANDBOOK_PAGES, start=2):
        pdf.add_page()
        pdf.set_font("helvetica", "B", 18)
        pdf.set_text_color(*TEAL)
        pdf.cell(0, 10, chapter, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        for block in blocks:
            kind = block[0]
            if kind == "h":
                pdf.ln(2)
                pdf.set_font("helvetica", "B", 12)
                pdf.set_text_color(*ROAST)
                pdf.cell(0, 7, block[1], new_x="LMARGIN", new_y="NEXT")
            elif kind == "p":
                _body(pdf)
                pdf.multi_cell(0, 5.4, block[1], markdown=True, new_x="LMARGIN", new_y="NEXT")
                pdf.ln(2)
            elif kind == "ul":
                _body(pdf)
                for item in block[1]:
                    pdf.set_x(pdf.l_margin + 2)
                    pdf.cell(5, 5.4, "•")
                    pdf.multi_cell(0, 5.4, item, markdown=True, align="L", new_x="LMARGIN", new_y="NEXT")
                    pdf.ln(1)
                pdf.ln(1)
            elif kind == "table":
                _, widths, head, rows = block
                _body(pdf)
                with pdf.table(col_widths=widths, width=sum(widths), align="LEFT", line_height=6.5,
                               headings_style=header_style, padding=1.5,
                               borders_layout=TableBordersLayout.HORIZONTAL_LINES,
                               cell_fill_color=(241, 236, 230),
                               cell_fill_mode=TableCellFillMode.ROWS) as table:
                    for values in (head, *rows):
                        row = table.row()
                        for value in values:
                            row.cell(value)
                pdf.ln(3)
            else:
                raise ValueError(f"unknown block kind {kind!r}")
        if pdf.page_no() != number:
            raise ValueError(f"chapter {chapter!r} runs over its page; shorten it (questions cite pages)")
    pdf.output(str(path))
    return path


def _body(pdf: FPDF) -> None:
    pdf.set_font("helvetica", size=10.5)
    pdf.set_text_color(*INK)
    pdf.set_fill_color(255, 255, 255)  # table rows between the shaded ones take the current fill colour


def _title_page(pdf: FPDF) -> None:
    pdf.add_page()
    pdf.set_fill_color(*TEAL)
    pdf.rect(0, 0, pdf.w, 120, style="F")
    pdf.set_fill_color(*ROAST)
    pdf.rect(0, 120, pdf.w, 4, style="F")
    pdf.set_draw_color(255, 255, 255)  # a simple cup mark: a ring and a handle
    pdf.set_line_width(1.6)
    pdf.circle(x=pdf.l_margin + 10, y=42, radius=10)
    pdf.ellipse(pdf.l_margin + 19, 38, 8, 8)
    pdf.set_line_width(0.2)
    pdf.set_text_color(255, 255, 255)
    pdf.set_xy(pdf.l_margin, 62)
    pdf.set_font("helvetica", "B", 30)
    pdf.cell(0, 14, "Brellvik", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=14)
    pdf.cell(0, 8, "Coffee Systems", new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(pdf.l_margin, 145)
    pdf.set_text_color(*TEAL)
    pdf.set_font("helvetica", "B", 28)
    pdf.cell(0, 14, HANDBOOK_TITLE, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=13)
    pdf.set_text_color(*INK)
    pdf.cell(0, 8, HANDBOOK_VERSION, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("helvetica", size=10.5)
    pdf.multi_cell(120, 5.4, "How we work together at Brellvik: working hours, hybrid work, leave, business "
                   "travel, expenses and information security.", new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(pdf.l_margin, pdf.h - 40)
    pdf.set_font("helvetica", size=9)
    pdf.set_text_color(110, 110, 110)
    pdf.cell(0, 5, f"{COMPANY} · Eindhoven, the Netherlands", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 5, "Internal document for Brellvik employees", new_x="LMARGIN", new_y="NEXT")


# ------------------------------------------------------------------------------------------------------
# Product manual (DOCX): ("h1"|"h2", text), ("p", text), ("ul"|"ol", [items]), ("table", header, rows).
# ------------------------------------------------------------------------------------------------------

MANUAL_TITLE = "Brellvik Corvus 5"
MANUAL_SUBTITLE = "Operator and Service Manual · document BCS-MAN-C5-EN, revision 7, February 2026"

MANUAL: list[Block] = [
    ("h1", "1. About this manual"),
    ("p", "This manual covers the Brellvik Corvus 5 bean-to-cup coffee machine with a fresh-milk system, "
          "serial numbers starting with C5-, running firmware 4.2.1. Keep it next to the machine. Operators "
          "need chapters 1 to 6; chapters 7 to 9 are for the person responsible for the machine."),
    ("h1", "2. Safety"),
    ("ul", [
        "Connect the machine only to a grounded 230 V socket protected by a 16 A fuse.",
        "Steam and hot water outlets reach 100 °C. Keep hands away during dispensing and rinsing.",
        "Never reach into the bean hopper or the grinder while the machine is switched on.",
        "Do not spray the machine with water and do not put any part in a dishwasher, except the drip tray.",
    ]),
    ("h1", "3. Technical specifications"),
    ("table", ("Specification", "Corvus 5"), [
        ("Dimensions (W × D × H)", "340 × 580 × 620 mm"),
        ("Weight", "38 kg"),
        ("Power supply", "230 V, 50 Hz, 2,900 W"),
        ("Water supply", "5-litre tank or fixed water connection (1 to 6 bar)"),
        ("Bean hoppers", "2 × 1.1 kg"),
        ("Recommended daily output", "up to 200 cups"),
        ("Brew temperature", "adjustable from 88 to 96 °C"),
        ("Connectivity", "Wi-Fi (2.4 and 5 GHz) and Ethernet, for Brellvik Connect"),
    ]),
    ("h1", "4. Cleaning and care"),
    ("h2", "Every day"),
    ("ol", [
        "Empty and rinse the drip tray and the grounds container.",
        "Run the milk rinse from Menu > Care > Milk rinse (about 2 minutes).",
        "Wipe the outlets and the display with a damp cloth.",
    ]),
    ("h2", "Every week"),
    ("p", "Run the automatic cleaning programme with one CT-100 cleaning tablet. It takes 14 minutes and "
          "cleans the brew unit and the milk system. Use only Brellvik CT-100 tablets; other tablets can "
          "damage the seals."),
    ("h2", "Water filter and descaling"),
    ("p", "Replace the WF-15 water filter cartridge every 3 months or after 1,500 litres, whichever comes "
          "first. The machine counts the litres and shows a reminder. Machines used without a water filter "
          "must be descaled with Brellvik DS-2 descaler whenever the display asks for it."),
    ("h1", "5. Error codes"),
    ("p", "When the machine detects a fault it stops dispensing and shows a code. Follow the action in the "
          "table; the code clears by itself once the cause is removed."),
    ("table", ("Code", "Meaning", "What to do"), [
        ("E03", "Water tank empty or not seated", "Refill the tank and press it firmly into place."),
        ("E11", "Bean hopper empty", "Refill the hopper shown on the display; the code clears after the "
                                     "next grind."),
        ("E14", "Grinder blocked", "Switch off, empty the hopper and remove the foreign object with the "
                                   "brush. Never reach into the grinder while the machine is on."),
        ("E21", "Brew unit missing or not locked", "Reinsert the brew unit and push the lever down until "
                                                    "it clicks."),
        ("E27", "Boiler overheated (above 105 °C)", "Switch off and let the machine cool for 30 "
                                                          "minutes. If E27 returns, do not use the machine "
                                                          "and call Brellvik Service."),
        ("E33", "Milk too warm (above 6 °C in the cooler)", "Check that the cooler door is closed and "
                                                                  "the cooler is on. Replace the milk."),
        ("E41", "Drip tray or grounds container full", "Empty both and reinsert them."),
        ("E52", "Firmware check failed", "Restart the machine. If the code stays, reinstall the firmware "
                                         "through Brellvik Connect."),
        ("E68", "No water flow", "Open the water tap. With a fixed water connection, check that the "
                                 "pressure is at least 1 bar."),
    ]),
    ("h1", "6. Troubleshooting"),
    ("table", ("Problem", "Likely cause", "What to do"), [
        ("Coffee is weak or watery", "Grind too coarse or dose too low", "Set the grind to 3 or 4 and "
                                                                        "the dose to 11 g."),
        ("Milk foam is thin", "Milk warmer than 6 °C, or the milk line needs cleaning",
         "Check the cooler, then run the milk rinse."),
        ("Machine does not start after cleaning", "Drip tray not fully inserted", "Push the drip tray in "
                                                                                  "until it clicks."),
        ("Water under the machine", "Worn brew unit gasket", "Replace the gasket with kit GK-05."),
        ("Display shows Service due", "25,000 cups since the last service", "Book a service visit "
                                                                           "with Brellvik Service."),
    ]),
    ("h1", "7. Firmware"),
    ("p", "Check the installed firmware under Menu > Service > About. At the time of printing the current "
          "version is 4.2.1. Updates install over the air through Brellvik Connect, which needs firmware "
          "4.1.0 or later; older machines are updated on site by a service engineer."),
    ("p", "Firmware 3.9.4 was the last release for the first-generation Aster. Corvus 5 machines delivered "
          "before September 2025 run 4.0.x and must be updated on site once to use Brellvik Connect."),
    ("h1", "8. Warranty"),
    ("p", "Brellvik warrants the Corvus 5 against defects in materials and workmanship for 24 months from "
          "the date of installation. The brew unit and the boiler are covered for 36 months or 60,000 brew "
          "cycles, whichever comes first."),
    ("p", "The warranty does not cover:"),
    ("ul", [
        "scale damage when the water filter was not replaced every 3 months or 1,500 litres;",
        "damage caused by cleaning tablets or descalers other than Brellvik CT-100 and DS-2;",
        "wear parts such as gaskets, brushes and milk tubes;",
        "repairs or changes made by anyone other than Brellvik Service or a certified partner.",
    ]),
    ("p", "Report a warranty claim within 14 days of discovering the defect, with the serial number. The "
          "serial number is on the label behind the drip tray."),
    ("h1", "9. Service and contact"),
    ("p", "Brellvik Service is reached through the support portal or at service@brellvik.example. Customers "
          "with an Essential, Plus or Premier support plan quote their contract number; response times "
          "depend on the plan."),
]


def build_manual(path: Path) -> Path:
    import docx
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    document = docx.Document()
    document.styles["Normal"].font.size = Pt(10.5)
    for name in ("Title", "Heading 1", "Heading 2"):
        document.styles[name].font.color.rgb = RGBColor(*TEAL)
    document.add_paragraph(MANUAL_TITLE, style="Title")
    subtitle = document.add_paragraph(MANUAL_SUBTITLE)
    subtitle.runs[0].italic = True

    for block in MANUAL:
        kind = block[0]
        if kind in ("h1", "h2"):
            document.add_heading(block[1], level=int(kind[1]))
        elif kind == "p":
            document.add_paragraph(block[1])
        elif kind in ("ul", "ol"):
            style = "List Bullet" if kind == "ul" else "List Number"
            for item in block[1]:
                document.add_paragraph(item, style=style)
        elif kind == "table":
            _, head, rows = block
            table = document.add_table(rows=1, cols=len(head), style="Light Grid Accent 1")
            table.alignment = WD_TABLE_ALIGNMENT.CENTER
            for cell, text in zip(table.rows[0].cells, head, strict=True):
                cell.text = text
            for values in rows:
                for cell, text in zip(table.add_row().cells, values, strict=True):
                    cell.text = text
            document.add_paragraph()
        else:
            raise ValueError(f"unknown block kind {kind!r}")

    footer = document.sections[0].footer.paragraphs[0]
    footer.text = "Brellvik Corvus 5 · BCS-MAN-C5-EN rev. 7 · page "
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    footer._p.append(field)

    props = document.core_properties
    props.title = f"{MANUAL_TITLE} Operator and Service Manual"
    props.author = props.last_modified_by = COMPANY
    props.created = props.modified = FROZEN.replace(tzinfo=None)
    props.revision = 7
    document.save(str(path))
    _freeze_zip(path)
    return path


# ------------------------------------------------------------------------------------------------------
# Price list (XLSX): the first row of each sheet names the columns.
# ------------------------------------------------------------------------------------------------------

PRICE_HEADER = ("SKU", "Product", "Category", "Description", "List price (EUR, excl. VAT)",
                "Discount 5-9 units (%)", "Discount 10+ units (%)")
PRICES: list[tuple[str, str, str, str, int, int, int]] = [
    ("BCS-AST2-230", "Brellvik Aster 2", "Machine",
     "Compact bean-to-cup machine for offices of up to 40 people", 3490, 4, 8),
    ("BCS-COR5-230", "Brellvik Corvus 5", "Machine",
     "Bean-to-cup machine with fresh-milk system, up to 200 cups per day", 6890, 5, 10),
    ("BCS-TDX-400", "Brellvik Tundra XL", "Machine",
     "Twin-grinder machine for canteens and hotels, up to 500 cups per day", 12450, 5, 12),
    ("BCS-MC4", "Milk cooler MC-4", "Accessory", "4-litre milk cooler for Corvus 5 and Tundra XL", 890, 0, 5),
    ("BCS-CW2", "Cup warmer CW-2", "Accessory", "Warms up to 80 cups; fits beside every Brellvik machine",
     420, 0, 5),
    ("BCS-WF15", "Water filter cartridge WF-15", "Consumable",
     "Replace every 3 months or after 1,500 litres", 64, 0, 10),
    ("BCS-CT100", "Cleaning tablets CT-100", "Consumable",
     "Box of 100 tablets, one per weekly clean", 39, 0, 10),
    ("BCS-DS2", "Descaler DS-2", "Consumable",
     "1-litre bottle, for machines without a water filter", 24, 0, 10),
    ("BCS-GK05", "Gasket kit GK-05", "Spare part", "Brew unit gaskets for Aster 2 and Corvus 5", 58, 0, 0),
]
PLAN_HEADER = ("Plan", "Response time", "Preventive visits per year", "Loan machine", "Remote monitoring",
               "Price per machine per year (EUR, excl. VAT)")
PLANS: list[tuple[str, str, int, str, str, int]] = [
    ("Essential", "2 business days", 1, "No", "No", 290),
    ("Plus", "Next business day", 2, "No", "Yes", 490),
    ("Premier", "4 business hours", 4, "Yes, from the second day of a repair", "Yes", 690),
]


def build_price_list(path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    workbook = Workbook()
    machines = workbook.active
    machines.title = "Price list 2026"
    plans = workbook.create_sheet("Support plans")
    fill = PatternFill("solid", fgColor="".join(f"{c:02X}" for c in TEAL))
    for sheet, header, rows, widths, money_column in (
        (machines, PRICE_HEADER, PRICES, (15, 28, 12, 62, 16, 14, 14), 5),
        (plans, PLAN_HEADER, PLANS, (12, 20, 14, 34, 14, 22), 6),
    ):
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        for cell in sheet[1]:
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[chr(64 + index)].width = width
        for (cell,) in sheet.iter_rows(min_row=2, min_col=money_column, max_col=money_column):
            cell.number_format = '"€"#,##0.00'
        sheet.row_dimensions[1].height = 32
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions

    props = workbook.properties
    props.title = "Brellvik price list 2026"
    props.creator = props.lastModifiedBy = COMPANY
    props.created = FROZEN.replace(tzinfo=None)
    workbook.save(str(path))
    _freeze_zip(path)
    return path


# ------------------------------------------------------------------------------------------------------

_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _freeze_zip(path: Path) -> None:
    """Fixed entry timestamps and modification date: Office writers stamp "now" into both."""
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    stamp = FROZEN.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path, "w") as target:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", data)
            frozen = zipfile.ZipInfo(info.filename, date_time=FROZEN.timetuple()[:6])
            frozen.compress_type = zipfile.ZIP_DEFLATED
            frozen.external_attr = 0o644 << 16
            target.writestr(frozen, data)


BUILDERS = {
    "Employee-Handbook.pdf": build_handbook,
    "Product-Manual.docx": build_manual,
    "Price-List-2026.xlsx": build_price_list,
}


def build_all(out_dir: Path = DEFAULT_OUT) -> list[Path]:
    """Writes every generated demo document into ``out_dir`` and returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return [build(out_dir / name) for name, build in BUILDERS.items()]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder to write the documents to")
    args = parser.parse_args(argv)
    for path in build_all(args.out):
        print(f"{path.stat().st_size:>8,} bytes  {path}")


if __name__ == "__main__":
    main()
