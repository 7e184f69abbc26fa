"""Template helpers for the public record: Markdown bodies, JSON-LD, page links and addresses."""

import json

import markdown as markdown_lib
import nh3
from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from .. import subscriptions

register = template.Library()

# What an editor's Markdown may become: text structure, links and tables, never script or style.
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align", "scope"}}

# Characters that could close the <script> element or open a comment inside it.
JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter(is_safe=True)
def markdown(text):
    """Render an editor's Markdown to HTML that is safe to show whatever was typed."""
    if not text:
        return ""
    html = markdown_lib.markdown(text, extensions=["sane_lists", "tables"], output_format="html")
    return mark_safe(
        nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, link_rel="noopener noreferrer")
    )


@register.filter
def json_ld(value):
    """A ``<script type="application/ld+json">`` data block, escaped as ``json_script`` escapes."""
    data = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False).translate(JSON_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(data))


@register.simple_tag(takes_context=True)
def webcal_url(context, path):
    """The ``webcal://`` address that subscribes a calendar app to the calendar at ``path``."""
    return subscriptions.calendar(context["request"], "", path).webcal_url


@register.simple_tag
def site_name():
    return settings.SITE_NAME


@register.simple_tag(takes_context=True)
def absolute_url(context, path=None):
    """The full address of ``path`` (the current page by default), for canonical and OpenGraph tags."""
    request = context.get("request")
    if request is None:
        return ""
    return request.build_absolute_uri(path if path is not None else request.path)


@register.simple_tag
def page_range(page_obj):
    """Page numbers to link, with an ellipsis for long runs: 1 … 4 5 [6] 7 8 … 20."""
    return page_obj.paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1)


# The sections of the main navigation, each the address of its list.
NAV_SECTIONS = {
    "meetings": "meetings:meeting_list",
    "participants": "meetings:participant_list",
    "actions": "meetings:action_list",
    "search": "meetings:search",
}


@register.simple_tag(takes_context=True)
def current_section(context):
    """The section of the main navigation the page is in, by its address ("" for none).

    ``/meetings/`` and everything under it is in "meetings". Error pages override the navigation
    block and are in no section, whatever their address looks like: ``/meetings/no-such-meeting/``
    is not a page of the meeting record.
    """
    request = context.get("request")
    if request is None:
        return ""
    for section, url_name in NAV_SECTIONS.items():
        if request.path.startswith(reverse(url_name)):
            return section
    return ""
