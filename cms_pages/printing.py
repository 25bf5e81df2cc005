"""PDFs for printing (WeasyPrint): any news, announcement or document page, and the weekly
bulletin of a commune's announcements for the paper notice board."""

from django.http import Http404


def page_pdf_response(request, page):
    raise Http404("Bản in PDF chưa có")


def weekly_bulletin_response(request, index_page):
    raise Http404("Bản tin tuần chưa có")
