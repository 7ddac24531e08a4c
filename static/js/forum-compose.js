// Writing forum posts (templates/communities/includes/compose.html): a live preview that the
// server renders with the renderer that saves posts (POST /preview/, after a pause in typing),
// and on the thread page the reply and quote buttons of each post. Without JavaScript the same
// things work through the "Preview" button and the reply/quote links, which prefill the form.
//
// The buttons are found by delegation, so posts that static/js/thread-live.js appends later
// work too. `window.forumCompose.reset(form)` clears the reply target and the preview after
// a reply was sent some other way (the thread socket).
(function () {
  "use strict";
  var DELAY = 400; // ms of quiet before a preview is asked for

  function csrfToken(form) {
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // --- Live preview ---------------------------------------------------------------------
  function setupCompose(box) {
    var form = box.closest("form");
    var textarea = box.querySelector("textarea[name=text]");
    var preview = box.querySelector("[data-compose-preview]");
    var errorNode = box.querySelector("[data-compose-error]");
    if (!form || !textarea || !preview || !window.fetch) return;
    var url = box.getAttribute("data-preview-url");
    var failed = box.getAttribute("data-preview-failed") || "";
    var timer = null;
    var sent = 0;        // the number of the latest request; older answers are dropped
    var shown = null;    // the text whose preview is on screen
    // The button is for pages without JavaScript; here the preview follows the typing.
    var button = form.querySelector("[data-preview-button]");
    if (button) button.hidden = true;

    function showError(message) {
      if (!errorNode) return;
      errorNode.textContent = message || "";
      errorNode.hidden = !message;
    }

    function render() {
      var text = textarea.value;
      if (text === shown) return;
      var mine = ++sent;
      if (!text.trim()) {
        shown = text;
        preview.textContent = "";
        showError("");
        return;
      }
      var body = new FormData();
      body.append("text", text);
      fetch(url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(form), "Accept": "application/json" }
      }).then(function (response) {
        return response.json();
      }).then(function (data) {
        if (mine !== sent) return;
        if (data && typeof data.html === "string") {
          shown = text;
          // Sanitised on the server exactly as a saved post is.
          preview.innerHTML = data.html;
          showError("");
        } else {
          showError((data && data.error) || failed);
        }
      }).catch(function () {
        if (mine === sent) showError(failed);
      });
    }

    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(render, DELAY);
    }
    textarea.addEventListener("input", schedule);
    box.forumPreviewReset = function () {
      clearTimeout(timer);
      sent++;
      shown = null;
      preview.textContent = "";
      showError("");
    };
    if (textarea.value.trim() && !preview.querySelector(":not([data-compose-empty])")) schedule();
  }

  document.querySelectorAll("[data-compose]").forEach(setupCompose);

  // --- Reply and quote (thread page) ----------------------------------------------------
  var replyForm = document.getElementById("reply-form");

  function textareaOf(form) { return form.querySelector("textarea[name=text]"); }

  function setReplyTo(article) {
    var input = replyForm.querySelector("input[name=reply_to]");
    var target = replyForm.querySelector("[data-reply-target]");
    var label = replyForm.querySelector("[data-reply-label]");
    if (!input || !target) return;
    if (!article) {
      input.value = "";
      target.hidden = true;
      return;
    }
    var author = article.querySelector(".post-author");
    input.value = article.getAttribute("data-post-id");
    if (label) {
      label.textContent = (replyForm.getAttribute("data-replying") || "")
        .split("%(number)s").join(article.getAttribute("data-number") || "")
        .split("%(name)s").join(author ? author.textContent.trim() : "");
    }
    target.hidden = false;
  }

  function insertQuote(text) {
    var area = textareaOf(replyForm);
    var before = area.value.replace(/\s+$/, "");
    area.value = (before ? before + "\n\n" : "") + text;
    area.focus();
    var end = area.value.length;
    if (area.setSelectionRange) area.setSelectionRange(end, end);
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // When the source cannot be fetched: the text as shown, quoted, under the author's name.
  function quoteFromPage(article) {
    var body = article.querySelector(".post-body");
    var author = article.querySelector(".post-author");
    var lines = (body ? body.innerText || body.textContent : "").trim().split("\n");
    var name = author ? author.textContent.trim() : "";
    return "> " + name + ":\n>\n" + lines.map(function (line) {
      return line.trim() ? "> " + line : ">";
    }).join("\n") + "\n\n";
  }

  function quote(article) {
    var id = article.getAttribute("data-post-id");
    var url = (replyForm.getAttribute("data-source-url") || "").replace("/0/", "/" + id + "/");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) { insertQuote(data.quote); })
      .catch(function () { insertQuote(quoteFromPage(article)); });
  }

  if (replyForm && window.fetch) {
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("a.post-reply, a.post-quote, [data-reply-cancel]");
      if (!link) return;
      event.preventDefault();
      var fields = replyForm.querySelector("fieldset");
      if (fields && fields.disabled) {
        // The form says why nobody can reply (signed out, locked, silenced...).
        replyForm.scrollIntoView({ block: "center" });
        return;
      }
      if (link.hasAttribute("data-reply-cancel")) {
        setReplyTo(null);
        return;
      }
      var article = link.closest("article.post");
      if (!article || !article.getAttribute("data-post-id")) return;
      if (link.classList.contains("post-reply")) {
        setReplyTo(article);
        textareaOf(replyForm).focus();
      } else {
        quote(article);
      }
    });
  }

  window.forumCompose = {
    reset: function (form) {
      form = form || replyForm;
      if (!form) return;
      if (form === replyForm) setReplyTo(null);
      var box = form.querySelector("[data-compose]");
      if (box && box.forumPreviewReset) box.forumPreviewReset();
    }
  };
})();
