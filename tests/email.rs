//! The email module against a real SMTP server: text and HTML bodies, a
//! stable Message-ID from the caller's id, failures reported, not hidden.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use platform::notify::email::{Email, Mailer, SendError};

fn message(id: &str, to: &str) -> Email {
    Email {
        id: id.into(),
        to: identifiers::EmailAddress::parse(to).unwrap(),
        to_name: Some("李四".into()),
        subject: "还款提醒：您的贷款将于 3 天后到期".into(),
        text: "尊敬的李四：本期应还 1,234.50 元。\nReference: R-42\n".into(),
        html: Some("<p>尊敬的李四：本期应还 <b>1,234.50</b> 元。</p>".into()),
    }
}

#[tokio::test]
async fn a_message_arrives_with_both_bodies_and_a_stable_message_id() {
    let mail = common::smtp::MailServer::start().await;
    let mut config = common::config().smtp;
    config.port = mail.port;
    config.tls = platform::config::SmtpTls::None;
    config.sender_name = "小贷云".into();
    let mailer = Mailer::new(&config).unwrap();
    let to = format!("{}@example.com", common::unique_code("rcpt"));
    mailer.send(&message("reminder-7-d3", &to)).await.unwrap();
    // the same id again (a retry) carries the same Message-ID
    mailer.send(&message("reminder-7-d3", &to)).await.unwrap();

    let first = mail.wait_for_nth(&to, 1).await;
    let second = mail.wait_for_nth(&to, 2).await;
    assert_eq!(first.from, "noreply@xiaodai.localhost");
    assert_eq!(first.to, vec![to.clone()]);
    assert_eq!(
        first.header("message-id").unwrap(),
        "<reminder-7-d3@xiaodai.localhost>"
    );
    assert_eq!(first.header("message-id"), second.header("message-id"));
    assert!(first
        .header("from")
        .unwrap()
        .contains("noreply@xiaodai.localhost"));
    assert!(
        first.header("subject").unwrap().starts_with("=?utf-8?"),
        "encoded subject"
    );
    let bodies = first.bodies();
    assert_eq!(bodies[0].0, "text/plain");
    assert!(bodies[0].1.contains("本期应还 1,234.50 元"), "{bodies:?}");
    assert_eq!(first.value_after("Reference:"), "R-42");
    assert_eq!(bodies[1].0, "text/html");
    assert!(bodies[1].1.contains("<b>1,234.50</b>"));
    assert_eq!(first.auth_user, None, "no login configured");

    // text only
    let mut plain = message("plain-1", &to);
    plain.html = None;
    mailer.send(&plain).await.unwrap();
    let third = mail.wait_for_nth(&to, 3).await;
    assert_eq!(third.bodies().len(), 1);
    assert!(third.text().contains("Reference: R-42"));
}

#[tokio::test]
async fn an_unreachable_server_is_reported() {
    let mail = common::smtp::MailServer::start().await;
    let port = mail.port;
    drop(mail);
    let mut config = common::config().smtp;
    config.port = port;
    config.tls = platform::config::SmtpTls::None;
    config.timeout_seconds = 2;
    let mailer = Mailer::new(&config).unwrap();
    let err = mailer
        .send(&message("x-1", "a@example.com"))
        .await
        .unwrap_err();
    assert!(matches!(err, SendError::Unavailable(_)), "{err:?}");
}
