//! The staff side, part 2: nothing reaches the public without a second person's review;
//! rejection, scheduling across a restart, updates with a change note while the published
//! version stays online, withdrawal, conflicting saves, restore, spreadsheet uploads and
//! attachments.

use jingshi::domain::Role;
use jingshi::store::AuditFilter;
use time::Duration;

use crate::harness::TestApp;
use crate::on_both_databases;
use crate::staff::{Browser, Page, id_in, input_value, signed_in};

on_both_databases!(
    an_entry_needs_a_second_person_to_publish_it,
    a_rejected_change_goes_back_with_the_comment,
    a_scheduled_publication_happens_after_a_restart,
    an_update_needs_a_note_and_the_published_version_stays_online_until_approved,
    a_withdrawn_article_says_so_and_a_withdrawn_entry_answers_410,
    a_conflicting_save_is_told_to_reload,
    a_restored_revision_goes_through_review,
    an_upload_is_previewed_and_a_bad_file_writes_nothing,
    attachments_are_checked_by_content,
    removal_and_its_correction_are_their_own_actions,
);

/// The fields of a valid entry form.
fn entry_form(name: &str) -> Vec<(&'static str, String)> {
    vec![
        ("name", name.to_string()),
        ("aliases", String::new()),
        ("credit_code", String::new()),
        ("category", "p2p".into()),
        ("list", "blacklist".into()),
        ("reason", "以高息为诱饵非法吸收公众存款".into()),
        ("basis", String::new()),
        ("authority", "示例区金融工作局".into()),
        ("decision_no", String::new()),
        ("listed_on", "2025-06-01".into()),
        ("measures", String::new()),
        ("websites", String::new()),
        ("phones", String::new()),
        ("remedy", String::new()),
        ("publicity_ends_on", String::new()),
        ("address", String::new()),
        ("status", "listed".into()),
        ("removed_on", String::new()),
        ("removal_reason", String::new()),
        ("removal_authority", String::new()),
        ("note", String::new()),
    ]
}

fn refs<'a>(form: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    form.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// An editor saves a new entry as a draft and submits it; returns (entry id, change id).
pub(crate) async fn draft_and_submit(editor: &mut Browser, name: &str) -> (i64, i64) {
    editor.get("/admin/entries/new").await;
    let saved = editor
        .post("/admin/entries/new", &refs(&entry_form(name)))
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let entry = id_in(saved.location.as_deref().unwrap());
    let page = editor.get(&format!("/admin/entries/{entry}")).await;
    let change = change_link(&page);
    submit(editor, change).await;
    (entry, change)
}

fn change_link(page: &Page) -> i64 {
    let at = page.body.find("/admin/changes/").expect("a change link");
    page.body[at + "/admin/changes/".len()..]
        .split('"')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

async fn submit(b: &mut Browser, change: i64) -> Page {
    let page = b.get(&format!("/admin/changes/{change}")).await;
    let version = input_value(&page.body, "version").expect("version field");
    let done = b
        .post(
            &format!("/admin/changes/{change}/submit"),
            &[("version", &version)],
        )
        .await;
    assert_eq!(done.status, 303, "submit: {}", done.body);
    done
}

pub(crate) async fn approve(b: &mut Browser, change: i64, at: &str) -> Page {
    let page = b.get(&format!("/admin/changes/{change}")).await;
    let version = input_value(&page.body, "version").unwrap_or_default();
    b.post(
        &format!("/admin/changes/{change}/approve"),
        &[("version", &version), ("publish_at", at)],
    )
    .await
}

async fn an_entry_needs_a_second_person_to_publish_it(app: TestApp) {
    let mut editor = signed_in(&app, "bianji", Role::Editor).await;
    let (entry, change) = draft_and_submit(&mut editor, "示例待审核科技有限公司").await;
    assert_eq!(
        app.get(&format!("/entries/{entry}")).await.0,
        404,
        "a draft is not public"
    );
    assert!(
        !app.get("/search?q=示例待审核科技有限公司")
            .await
            .1
            .contains(&format!("/entries/{entry}\""))
    );

    // An editor cannot approve; a reviewer cannot approve their own work.
    let denied = approve(&mut editor, change, "").await;
    assert_eq!(denied.status, 403);
    let mut reviewer = signed_in(&app, "shenhe", Role::Reviewer).await;
    let (own_entry, own_change) = draft_and_submit(&mut reviewer, "示例本人提交有限公司").await;
    let own = approve(&mut reviewer, own_change, "").await;
    assert_eq!(own.status, 409, "{}", own.body);
    assert!(own.body.contains("不能审核本人提交的内容"));
    assert_eq!(app.get(&format!("/entries/{own_entry}")).await.0, 404);

    let ok = approve(&mut reviewer, change, "").await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let (status, page) = app.get(&format!("/entries/{entry}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("示例待审核科技有限公司"));
    app.sync().await;
    let (_, found) = app.get_json("/api/v1/entries?q=待审核科技").await;
    assert_eq!(found["items"][0]["id"], entry, "the search finds it");

    // A one-person office may allow self-approval; the audit log says so.
    let mut admin = signed_in(&app, "guanli", Role::Admin).await;
    admin.get("/admin/settings").await;
    admin
        .post("/admin/settings", &[("allow_self_approval", "1")])
        .await;
    let own = approve(&mut reviewer, own_change, "").await;
    assert_eq!(own.status, 303);
    let (_, rows) = app
        .store
        .audit_entries(&AuditFilter {
            limit: 200,
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    for want in [
        "entry.create",
        "review.submit",
        "review.approve",
        "review.approve_own",
        "publish",
    ] {
        assert!(actions.contains(&want), "{want} not audited: {actions:?}");
    }
}

async fn a_rejected_change_goes_back_with_the_comment(app: TestApp) {
    let mut editor = signed_in(&app, "zuozhe", Role::Editor).await;
    let (entry, change) = draft_and_submit(&mut editor, "示例退回修改有限公司").await;
    let mut reviewer = signed_in(&app, "shenyue", Role::Reviewer).await;
    reviewer.get(&format!("/admin/changes/{change}")).await;
    let version = input_value(
        &reviewer.get(&format!("/admin/changes/{change}")).await.body,
        "version",
    )
    .unwrap();
    let empty = reviewer
        .post(
            &format!("/admin/changes/{change}/reject"),
            &[("version", &version), ("comment", "")],
        )
        .await;
    assert_eq!(empty.status, 422);
    let rejected = reviewer
        .post(
            &format!("/admin/changes/{change}/reject"),
            &[("version", &version), ("comment", "请补充决定文号")],
        )
        .await;
    assert_eq!(rejected.status, 303);
    let dashboard = editor.get("/admin").await;
    assert!(dashboard.body.contains("退回给我的"));
    assert!(dashboard.body.contains("请补充决定文号"));
    // The author corrects and submits again.
    let form = editor.get(&format!("/admin/entries/{entry}/edit")).await;
    let mut fields = entry_form("示例退回修改有限公司");
    fields.push(("change_id", input_value(&form.body, "change_id").unwrap()));
    fields.push((
        "change_version",
        input_value(&form.body, "change_version").unwrap(),
    ));
    for f in fields.iter_mut() {
        if f.0 == "decision_no" {
            f.1 = "示区金整办〔2026〕9号".into();
        }
    }
    let saved = editor
        .post(&format!("/admin/entries/{entry}/edit"), &refs(&fields))
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    submit(&mut editor, change).await;
    assert_eq!(approve(&mut reviewer, change, "").await.status, 303);
    let (_, page) = app.get(&format!("/entries/{entry}")).await;
    assert!(page.contains("示区金整办〔2026〕9号"));
}

async fn a_scheduled_publication_happens_after_a_restart(app: TestApp) {
    let mut editor = signed_in(&app, "dingshi", Role::Editor).await;
    let (entry, change) = draft_and_submit(&mut editor, "示例定时发布有限公司").await;
    let mut reviewer = signed_in(&app, "dingshi-shenhe", Role::Reviewer).await;
    let china = app.clock.now().to_offset(time::macros::offset!(+8)) + Duration::minutes(10);
    let at = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        china.year(),
        china.month() as u8,
        china.day(),
        china.hour(),
        china.minute()
    );
    let past = approve(&mut reviewer, change, "2020-01-01T08:00").await;
    assert_eq!(past.status, 422, "a time in the past is refused");
    let scheduled = approve(&mut reviewer, change, &at).await;
    assert_eq!(scheduled.status, 303, "{}", scheduled.body);
    assert_eq!(
        app.get(&format!("/entries/{entry}")).await.0,
        404,
        "not yet"
    );

    // The time passes while the site is down; another start publishes it, once.
    app.clock.advance(Duration::minutes(11));
    let restarted = app.another_instance(None).await;
    let mut published = false;
    for _ in 0..100 {
        if restarted.get(&format!("/entries/{entry}")).await.0 == 200 {
            published = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(published, "published after the restart");
    let (_, rows) = app
        .store
        .audit_entries(&AuditFilter {
            action: Some("publish".into()),
            limit: 10,
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "published exactly once across instances");
    assert_eq!(rows[0].actor, "定时发布");
}

async fn publish_entry(
    app: &TestApp,
    editor: &mut Browser,
    reviewer: &mut Browser,
    name: &str,
) -> i64 {
    let (entry, change) = draft_and_submit(editor, name).await;
    assert_eq!(approve(reviewer, change, "").await.status, 303);
    app.sync().await;
    entry
}

async fn an_update_needs_a_note_and_the_published_version_stays_online_until_approved(
    app: TestApp,
) {
    let mut editor = signed_in(&app, "gengxin", Role::Editor).await;
    let mut reviewer = signed_in(&app, "gengxin-shenhe", Role::Reviewer).await;
    let entry = publish_entry(&app, &mut editor, &mut reviewer, "示例更新说明有限公司").await;
    let form = editor.get(&format!("/admin/entries/{entry}/edit")).await;
    let base = input_value(&form.body, "base_version").unwrap();
    let mut fields = entry_form("示例更新说明有限公司");
    fields.push(("base_version", base));
    for f in fields.iter_mut() {
        if f.0 == "reason" {
            f.1 = "拒不配合清理整顿，且转移资产".into();
        }
    }
    let no_note = editor
        .post(&format!("/admin/entries/{entry}/edit"), &refs(&fields))
        .await;
    assert_eq!(no_note.status, 422);
    assert!(no_note.body.contains("须填写更新说明"));
    for f in fields.iter_mut() {
        if f.0 == "note" {
            f.1 = "补充转移资产的情况".into();
        }
    }
    let saved = editor
        .post(&format!("/admin/entries/{entry}/edit"), &refs(&fields))
        .await;
    assert_eq!(saved.status, 303);
    let page = editor.get(&format!("/admin/entries/{entry}")).await;
    let change = change_link(&page);
    submit(&mut editor, change).await;
    let (_, public) = app.get(&format!("/entries/{entry}")).await;
    assert!(
        public.contains("以高息为诱饵非法吸收公众存款"),
        "the published version stays online"
    );
    assert!(!public.contains("转移资产"));
    assert_eq!(approve(&mut reviewer, change, "").await.status, 303);
    let (_, public) = app.get(&format!("/entries/{entry}")).await;
    assert!(public.contains("拒不配合清理整顿，且转移资产"));
    assert!(
        public.contains("更新说明：补充转移资产的情况"),
        "the public history shows the note"
    );
}

async fn a_withdrawn_article_says_so_and_a_withdrawn_entry_answers_410(app: TestApp) {
    let mut editor = signed_in(&app, "wenzhang", Role::Editor).await;
    let mut reviewer = signed_in(&app, "wenzhang-shenhe", Role::Reviewer).await;
    editor.get("/admin/articles/new").await;
    let saved = editor
        .post(
            "/admin/articles/new",
            &[
                ("kind", "case"),
                ("title", "张某非法吸收公众存款案"),
                ("slug", ""),
                ("summary", "以案说法"),
                ("body_md", "**案情：**张某以高息为诱饵……"),
                ("tags", "非法集资、以案说法"),
                ("doc_no", ""),
                ("published_on", ""),
                ("note", ""),
                ("step", "save"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let article = id_in(saved.location.as_deref().unwrap());
    let page = editor.get(&format!("/admin/articles/{article}")).await;
    assert!(
        page.body.contains("zhang-mou-fei-fa"),
        "a slug from the title's pinyin"
    );
    let change = change_link(&page);
    submit(&mut editor, change).await;
    assert_eq!(approve(&mut reviewer, change, "").await.status, 303);
    let slug = "zhang-mou-fei-fa-xi-shou-gong-zhong-cun-kuan-an";
    let (status, public) = app.get(&format!("/articles/{slug}")).await;
    assert_eq!(status, 200, "{public}");
    assert!(public.contains("<strong>案情：</strong>"));

    let confirm = reviewer
        .get(&format!("/admin/articles/{article}/withdraw"))
        .await;
    let version = input_value(&confirm.body, "version").unwrap();
    let no_reason = reviewer
        .post(
            &format!("/admin/articles/{article}/withdraw"),
            &[("version", &version), ("reason", "")],
        )
        .await;
    assert_eq!(no_reason.status, 422);
    let done = reviewer
        .post(
            &format!("/admin/articles/{article}/withdraw"),
            &[
                ("version", &version),
                ("reason", "案件信息有误，待核实后重新发布"),
            ],
        )
        .await;
    assert_eq!(done.status, 303);
    let (status, page) = app.get(&format!("/articles/{slug}")).await;
    assert_eq!(status, 410);
    assert!(page.contains("本文已撤回") && page.contains("案件信息有误"));
    assert!(
        !page.contains("张某以高息为诱饵"),
        "the content is no longer shown"
    );
    assert!(!app.get("/cases").await.1.contains("张某非法吸收公众存款案"));

    let entry = publish_entry(&app, &mut editor, &mut reviewer, "示例撤回条目有限公司").await;
    let confirm = reviewer
        .get(&format!("/admin/entries/{entry}/withdraw"))
        .await;
    let version = input_value(&confirm.body, "version").unwrap();
    reviewer
        .post(
            &format!("/admin/entries/{entry}/withdraw"),
            &[("version", &version), ("reason", "认定有误")],
        )
        .await;
    app.sync().await;
    let (status, page) = app.get(&format!("/entries/{entry}")).await;
    assert_eq!(status, 410);
    assert!(!page.contains("示例撤回条目有限公司"));
    let (_, found) = app.get_json("/api/v1/entries?q=示例撤回条目有限公司").await;
    assert_eq!(found["total"], 0);
}

async fn a_conflicting_save_is_told_to_reload(app: TestApp) {
    let mut first = signed_in(&app, "bianji-jia", Role::Editor).await;
    let mut second = signed_in(&app, "bianji-yi", Role::Editor).await;
    first.get("/admin/entries/new").await;
    let saved = first
        .post(
            "/admin/entries/new",
            &refs(&entry_form("示例同时编辑有限公司")),
        )
        .await;
    let entry = id_in(saved.location.as_deref().unwrap());
    let a = first.get(&format!("/admin/entries/{entry}/edit")).await;
    let b = second.get(&format!("/admin/entries/{entry}/edit")).await;
    let with = |page: &Page, reason: &str| {
        let mut f = entry_form("示例同时编辑有限公司");
        for (k, v) in f.iter_mut() {
            if *k == "reason" {
                *v = reason.to_string();
            }
        }
        f.push(("change_id", input_value(&page.body, "change_id").unwrap()));
        f.push((
            "change_version",
            input_value(&page.body, "change_version").unwrap(),
        ));
        f
    };
    let one = first
        .post(
            &format!("/admin/entries/{entry}/edit"),
            &refs(&with(&a, "编辑甲的内容")),
        )
        .await;
    assert_eq!(one.status, 303);
    let two = second
        .post(
            &format!("/admin/entries/{entry}/edit"),
            &refs(&with(&b, "编辑乙的内容")),
        )
        .await;
    assert_eq!(two.status, 409);
    assert!(
        two.body.contains("已被他人修改") && two.body.contains("重新载入"),
        "{}",
        two.body
    );
    let again = second.get(&format!("/admin/entries/{entry}/edit")).await;
    assert!(
        again.body.contains("编辑甲的内容"),
        "nothing was overwritten silently"
    );
}

async fn a_restored_revision_goes_through_review(app: TestApp) {
    let mut editor = signed_in(&app, "huifu", Role::Editor).await;
    let mut reviewer = signed_in(&app, "huifu-shenhe", Role::Reviewer).await;
    let entry = publish_entry(&app, &mut editor, &mut reviewer, "示例恢复版本有限公司").await;
    let form = editor.get(&format!("/admin/entries/{entry}/edit")).await;
    let mut fields = entry_form("示例恢复版本有限公司");
    fields.push((
        "base_version",
        input_value(&form.body, "base_version").unwrap(),
    ));
    for (k, v) in fields.iter_mut() {
        if *k == "reason" {
            *v = "错误的事由".into();
        }
        if *k == "note" {
            *v = "误改".into();
        }
    }
    editor
        .post(&format!("/admin/entries/{entry}/edit"), &refs(&fields))
        .await;
    let change = change_link(&editor.get(&format!("/admin/entries/{entry}")).await);
    submit(&mut editor, change).await;
    approve(&mut reviewer, change, "").await;
    assert!(
        app.get(&format!("/entries/{entry}"))
            .await
            .1
            .contains("错误的事由")
    );

    let history = editor.get(&format!("/admin/entries/{entry}/history")).await;
    assert!(
        history.body.contains("错误的事由") && history.body.contains("以高息为诱饵"),
        "side by side"
    );
    let first_revision = app
        .store
        .revisions(jingshi::store::Entity::Entry, entry)
        .await
        .unwrap()
        .last()
        .unwrap()
        .id;
    let restored = editor
        .post(
            &format!("/admin/entries/{entry}/restore/{first_revision}"),
            &[],
        )
        .await;
    assert_eq!(restored.status, 303);
    assert!(
        app.get(&format!("/entries/{entry}"))
            .await
            .1
            .contains("错误的事由"),
        "not before review"
    );
    let change = change_link(&editor.get(&format!("/admin/entries/{entry}")).await);
    submit(&mut editor, change).await;
    approve(&mut reviewer, change, "").await;
    let (_, page) = app.get(&format!("/entries/{entry}")).await;
    assert!(page.contains("以高息为诱饵非法吸收公众存款") && !page.contains("错误的事由"));
}

const SHEET_HEADER: &str = "主体名称,统一社会信用代码,业态,名单类型,列入事由,认定机关,列入日期\n";

async fn an_upload_is_previewed_and_a_bad_file_writes_nothing(app: TestApp) {
    let mut editor = signed_in(&app, "shangchuan", Role::Editor).await;
    editor.get("/admin/uploads").await;
    let bad = format!(
        "{SHEET_HEADER}示例表格甲有限公司,,网络借贷,黑名单,事由,机关,2025-01-01\n,,银行,黑名单,,机关,2025-13-01\n"
    );
    let preview = editor
        .upload("/admin/uploads", "bad.csv", bad.into_bytes())
        .await;
    assert_eq!(preview.status, 422);
    assert!(
        preview.body.contains(
            "<td class=\"nowrap\">第 3 行</td><td class=\"nowrap\">主体名称</td><td>主体名称不能为空</td>"
        ),
        "{}",
        preview.body
    );
    assert!(
        preview
            .body
            .contains("<td class=\"nowrap\">业态</td><td>无法识别“银行”")
    );
    assert!(!preview.body.contains("确认导入"));
    let (total, _) = app
        .store
        .staff_entries(&jingshi::store::StaffFilter {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(total, 0, "nothing written");

    let good = format!(
        "{SHEET_HEADER}示例表格甲有限公司,,网络借贷,黑名单,事由甲,机关,2025-01-01\n示例表格乙有限公司,,其他,风险警示名单,事由乙,机关,2025-02-01\n"
    );
    editor.get("/admin/uploads").await;
    let preview = editor
        .upload("/admin/uploads", "good.csv", good.into_bytes())
        .await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert!(preview.body.contains("新增 <strong>2</strong> 条"));
    let token = {
        let at = preview.body.find("/admin/uploads/").unwrap();
        preview.body[at + "/admin/uploads/".len()..]
            .split('/')
            .next()
            .unwrap()
            .to_string()
    };
    let confirmed = editor
        .post(&format!("/admin/uploads/{token}/confirm"), &[])
        .await;
    assert_eq!(confirmed.status, 303, "{}", confirmed.body);
    let set_path = confirmed.location.unwrap();
    assert!(
        app.get("/search?q=示例表格甲有限公司")
            .await
            .1
            .contains("未查询到"),
        "in review, not public"
    );
    let mut reviewer = signed_in(&app, "shangchuan-shenhe", Role::Reviewer).await;
    reviewer.get(&set_path).await;
    let approved = reviewer.post(&format!("{set_path}/approve"), &[]).await;
    assert_eq!(approved.status, 303, "{}", approved.body);
    let (_, json) = app.get_json("/api/v1/entries").await;
    assert_eq!(json["total"], 2);
    // The same file again: nothing to review.
    editor.get("/admin/uploads").await;
    let again =
        format!("{SHEET_HEADER}示例表格甲有限公司,,网络借贷,黑名单,事由甲,机关,2025-01-01\n");
    let preview = editor
        .upload("/admin/uploads", "again.csv", again.into_bytes())
        .await;
    assert!(preview.body.contains("未变化（条目 #"));
}

async fn attachments_are_checked_by_content(app: TestApp) {
    let mut editor = signed_in(&app, "fujian", Role::Editor).await;
    editor.get("/admin/articles/new").await;
    let saved = editor
        .post(
            "/admin/articles/new",
            &[
                ("kind", "notice"),
                ("title", "附件测试通知"),
                ("slug", "attachment-test"),
                ("summary", ""),
                ("body_md", "见附件。"),
                ("tags", ""),
                ("doc_no", ""),
                ("published_on", ""),
                ("note", ""),
                ("step", "save"),
            ],
        )
        .await;
    let article = id_in(saved.location.as_deref().unwrap());
    editor.get(&format!("/admin/articles/{article}")).await;
    let fake = editor
        .upload(
            &format!("/admin/articles/{article}/attachments"),
            "通知.pdf",
            b"<html><script>alert(1)</script>".to_vec(),
        )
        .await;
    assert_eq!(fake.status, 422);
    assert!(fake.body.contains("文件内容与之不符"));
    editor.get(&format!("/admin/articles/{article}")).await;
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let ok = editor
        .upload(
            &format!("/admin/articles/{article}/attachments"),
            "../../通知全文.exe",
            pdf,
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let page = editor.get(&format!("/admin/articles/{article}")).await;
    assert!(
        page.body.contains("通知全文.pdf"),
        "the name is cleaned and typed by content"
    );
    let id: i64 = {
        let at = page.body.find("/admin/attachments/").unwrap();
        page.body[at + "/admin/attachments/".len()..]
            .split('"')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let path = format!("/attachments/{id}/x.pdf");
    assert_eq!(app.get(&path).await.0, 404, "the article is not public yet");
    let change = change_link(&page);
    submit(&mut editor, change).await;
    let mut reviewer = signed_in(&app, "fujian-shenhe", Role::Reviewer).await;
    approve(&mut reviewer, change, "").await;
    let res = app.client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert!(
        app.get("/articles/attachment-test")
            .await
            .1
            .contains("通知全文.pdf")
    );
}

async fn removal_and_its_correction_are_their_own_actions(app: TestApp) {
    let mut editor = signed_in(&app, "yichu", Role::Editor).await;
    let mut reviewer = signed_in(&app, "yichu-shenhe", Role::Reviewer).await;
    let entry = publish_entry(&app, &mut editor, &mut reviewer, "示例移出操作有限公司").await;
    let form = editor.get(&format!("/admin/entries/{entry}/remove")).await;
    let base = input_value(&form.body, "base_version").unwrap();
    let missing = editor
        .post(
            &format!("/admin/entries/{entry}/remove"),
            &[
                ("base_version", &base),
                ("removed_on", ""),
                ("removal_reason", ""),
                ("note", "移出"),
            ],
        )
        .await;
    assert_eq!(missing.status, 422);
    assert!(missing.body.contains("请填写移出日期") && missing.body.contains("请填写移出原因"));
    let saved = editor
        .post(
            &format!("/admin/entries/{entry}/remove"),
            &[
                ("base_version", &base),
                ("removed_on", "2026-10-01"),
                ("removal_reason", "整改完成"),
                ("removal_authority", ""),
                ("note", "整改完成后移出"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let change = change_link(&editor.get(&format!("/admin/entries/{entry}")).await);
    submit(&mut editor, change).await;
    approve(&mut reviewer, change, "").await;
    let (_, page) = app.get(&format!("/entries/{entry}")).await;
    assert!(page.contains("该主体已移出名单") && page.contains("2026-10-01"));
    assert!(
        page.contains("移出机关") && page.contains("示例区金融工作局"),
        "the authority defaults to the listing one"
    );

    // The correction of a wrong removal: back to 在列.
    let form = editor.get(&format!("/admin/entries/{entry}/remove")).await;
    assert!(form.body.contains("更正移出信息"));
    let base = input_value(&form.body, "base_version").unwrap();
    editor
        .post(
            &format!("/admin/entries/{entry}/remove"),
            &[
                ("base_version", &base),
                ("relist", "1"),
                ("note", "移出有误，恢复在列"),
            ],
        )
        .await;
    let change = change_link(&editor.get(&format!("/admin/entries/{entry}")).await);
    submit(&mut editor, change).await;
    approve(&mut reviewer, change, "").await;
    let (_, page) = app.get(&format!("/entries/{entry}")).await;
    assert!(page.contains("该主体目前在列") && page.contains("移出有误，恢复在列"));
}
