"""Departments (sở, ban, ngành of a province; phòng of a district): sources of information
inside a province, each with its own editors, moderators and moderation workflow.

A Department belongs to one area (a province or district AreaPage). It is not an
administrative unit: it has no site, no boards and no communes. Its staff write source items,
alerts and programmes in the department's own section of the area's "Thông tin nguồn"
(`section`, a page made by the sources app), and see nothing else of the area. Every item
they write carries its department (sources: TargetedPage.department).
"""

from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _


class DepartmentKind(models.TextChoices):
    SO = "so", _("Sở")
    BAN_NGANH = "ban_nganh", _("Ban, ngành, đoàn thể")
    PHONG = "phong", _("Phòng, ban cấp huyện")
    KHAC = "khac", _("Đơn vị khác")


class Department(models.Model):
    area = models.ForeignKey(
        "areas.AreaPage",
        verbose_name=_("thuộc địa bàn"),
        on_delete=models.PROTECT,
        related_name="departments",
        help_text=_("Tỉnh (sở, ngành) hoặc huyện (phòng, ban)."),
    )
    name = models.CharField(_("tên cơ quan"), max_length=150, help_text=_("Ví dụ: Sở Y tế, Phòng Văn hóa - Thông tin."))
    kind = models.CharField(_("loại"), max_length=10, choices=DepartmentKind.choices, default=DepartmentKind.SO)
    code = models.SlugField(
        _("mã"),
        max_length=50,
        allow_unicode=False,
        help_text=_("Chữ thường không dấu, duy nhất trong địa bàn: so-y-te."),
    )
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    editors_group = models.ForeignKey(
        Group, verbose_name=_("nhóm biên tập"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderators_group = models.ForeignKey(
        Group, verbose_name=_("nhóm kiểm duyệt"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    section = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("chuyên mục của cơ quan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("sở, ngành, phòng ban")
        verbose_name_plural = _("sở, ngành, phòng ban")
        ordering = ["area__path", "name"]
        constraints = [models.UniqueConstraint(fields=["area", "code"], name="unique_department_code")]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        """'Sở Y tế – Tỉnh Trà Vinh'."""
        return f"{self.name} – {self.area.title}" if self.area_id else self.name
