"""Pages in the old website's ways of writing, made for the tests (the real ones are not copied here)."""

VIRTUAL_PAGE = """URL: https://www.example.org/event/ninth-meeting-of-the-steering-group/

Ninth Meeting of the Steering Group

Location: VirtualDate: 23-23 July 2020
steering-group-min Image

{opening}

{attendance}

{outcomes}
""".format(
    opening="On 23 July 2020, Australia and Indonesia co-chaired the Ninth Meeting of the Bali Process "
    "Steering Group, held virtually.",
    attendance="The meeting was attended by 139 delegates representing 47 countries. Observers included "
    "Canada, the USA and the lnternational Labour Organization2. Fiji and Nepal participated as new "
    "members. Iran was unable to attend.",
    outcomes="Outcomes: - Members agreed to hold the next meeting in the second half of 2021. - The RSO "
    "was tasked to prepare a report on returns by March 2021. - Members noted the progress of the working "
    "groups.",
)
TYPO_PAGE = """URL: https://www.example.org/event/workshop-on-document-fraud/

Workshop on Document Fraud

Location: Kuala LumpurDate: 12 August 208

{}
""".format(
    "The workshop was held in Kuala Lumpur on 12 August 208. In attendance were representatives from "
    "Malaysia, Islamic Republic of Afghanistan, UAE and Viet Nam."
)
ABOUT_PAGE = """URL: https://www.example.org/about/

About us

The forum is a voluntary and non-binding process. It brings states and organisations together to share
information and practice.
"""
HTML_PAGE = """<!DOCTYPE html><html><head><title>Third Ministerial Conference | Old site</title>
<link rel="canonical" href="https://www.example.org/event/third-ministerial-conference/"></head>
<body><nav><ul><li>Home</li><li>About</li></ul></nav><main><h1>Third Ministerial Conference</h1>
<p>Location: Bali, IndonesiaDate: 14 - 15 April 2009</p>
<p>The Third Ministerial Conference took place in Bali, Indonesia on 14-15 April 2009.</p>
<p>In attendance were representatives from Australia, Indonesia, Thailand and the IOM.</p>
<p>Ministers:</p><ul><li>endorsed the recommendations of the Ad Hoc Group.</li>
<li>directed the Ad Hoc Group to report back before the next Ministerial Conference.</li></ul>
</main><footer>Copyright</footer></body></html>
"""

NO_HEADER_PAGE = """URL: https://www.example.org/event/workshop-x/

On August 6, 2014 the Bali Process held a Workshop on Biometrics in Bangkok, Thailand, hosted by Thailand.
Representatives from Malaysia; Indonesia and Brunei attended.
"""

# Header and first sentence disagree on the date and on the place.
DISAGREEING_PAGE = """URL: https://www.example.org/event/tenth-meeting-of-the-steering-group/

Tenth Meeting of the Steering Group

Location: Bangkok, ThailandDate: 08 - 10 February 2023

On 10 February 2023, Australia and Indonesia co-chaired the Tenth Meeting of the Bali Process Steering Group
in Jakarta, Indonesia.

Members noted the progress of the working groups.
"""
# The header's date is a date; the first sentence's is a typo.
BODY_TYPO_PAGE = """URL: https://www.example.org/event/workshop-on-border-data/

Workshop on Border Data

Location: Bangkok, ThailandDate: 12 August 2018

The workshop was held in Bangkok, Thailand on 31 June 2018.
Representatives from Malaysia and Viet Nam attended.
"""
