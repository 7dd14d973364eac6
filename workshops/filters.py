"""List filters (django-filter) for workshops and nominations."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from candidates.models import Administration, Region
from candidates.selectors import official_name_matches
from toa_portal.text import fold

from .enums import NominationStatus, WorkshopStatus
from .models import Nomination, Programme, Workshop


def workshop_search(queryset, text: str):
    """Keep the workshops whose title, city, venue or host administration contains
    the text, ignoring accents and case: a condition on the folded keys stored on
    save, so the database does the matching (SQLite and PostgreSQL alike)."""
    needle = fold(text)
    if not needle:
        return queryset
    return queryset.filter(Q(search_key__contains=needle) | Q(host_administration__name_key__contains=needle))


def _years():
    this_year = timezone.localdate().year
    return [(year, str(year)) for year in range(this_year + 2, 2009, -1)]


class WorkshopFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search", max_length=200)
    programme = django_filters.ModelChoiceFilter(label=_("Programme"), queryset=Programme.objects.all())
    region = django_filters.ModelChoiceFilter(
        label=_("Region"), field_name="host_administration__region", queryset=Region.objects.all()
    )
    year = django_filters.TypedChoiceFilter(label=_("Year"), field_name="start_date__year", choices=_years, coerce=int)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=WorkshopStatus.choices)

    class Meta:
        model = Workshop
        fields = ["q", "programme", "region", "year", "status"]

    def search(self, queryset, name, value):
        return workshop_search(queryset, value)


class NominationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search", max_length=200)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=NominationStatus.choices)
    workshop = django_filters.ModelChoiceFilter(label=_("Workshop"), queryset=Workshop.objects.none())
    administration = django_filters.ModelChoiceFilter(
        label=_("Administration"), field_name="official__administration", queryset=Administration.objects.none()
    )

    class Meta:
        model = Nomination
        fields = ["q", "status", "workshop", "administration"]

    def __init__(self, *args, workshops=None, administrations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["workshop"].queryset = workshops if workshops is not None else Workshop.objects.none()
        self.filters["administration"].queryset = (
            administrations if administrations is not None else Administration.objects.none()
        )

    def search(self, queryset, name, value):
        needle = fold(value)
        if not needle:
            return queryset
        return queryset.filter(official_name_matches(needle, prefix="official__"))
