//! System settings (admins).

use maud::{Markup, html};

use super::{AdminCtx, csrf_field, layout};
use crate::staff::settings::Settings;

pub fn page(ctx: &AdminCtx<'_>, s: &Settings) -> Markup {
    layout(
        ctx,
        "系统设置",
        html! {
            h1 { "系统设置" }
            form method="post" action="/admin/settings" {
                (csrf_field(ctx.csrf))
                fieldset {
                    legend { "安全与审核" }
                    div.form-field.check {
                        input #f-totp type="checkbox" name="require_totp_for_admins" value="1"
                            checked[s.require_totp_for_admins];
                        label for="f-totp" { "管理员必须使用两步验证（等保三级系统的通常要求）" }
                    }
                    div.form-field.check {
                        input #f-self type="checkbox" name="allow_self_approval" value="1"
                            checked[s.allow_self_approval];
                        label for="f-self" { "允许审核员审核本人提交的内容（仅适用于一人办公室，每次都会记入审计日志）" }
                    }
                }
                button type="submit" { "保存设置" }
            }
        },
    )
}
