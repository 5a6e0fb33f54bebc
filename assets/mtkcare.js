// MTK Care's page script. Static on purpose: the CSP allows scripts from our own origin, and
// the server never builds script from data — it passes data (an element id, a number) to the
// functions here.
(() => {
  "use strict";

  // Error summary links: scroll their field into view and focus it, without navigating
  // (a changed address would reload the page's state). Called with the field's element id.
  const focusField = (id) => {
    const field = document.getElementById(String(id));
    if (field) {
      field.scrollIntoView({ block: "center" });
      field.focus();
    }
  };

  // The session's end. Signed-in pages carry an element whose data-session-timer is
  // "<ms since epoch when the session ends>:<ms left then>", refreshed by every event the
  // server answers. The ms left are counted from when this page saw the value (the
  // browser's clock may differ from the server's; seeing it late only makes the count end
  // later). Once it ends, the browser goes to the sign-in page, which says why.
  const TIMER_ID = "mtkcare-session-timer";
  const LOGIN = "/login";
  let seen = null;
  let endsAt = null;

  const checkSession = () => {
    const element = document.getElementById(TIMER_ID);
    const value = element ? element.getAttribute("data-session-timer") : null;
    if (value !== seen) {
      seen = value;
      const left = value ? Number.parseInt(value.split(":")[1], 10) : Number.NaN;
      endsAt = Number.isFinite(left) ? Date.now() + left : null;
    }
    if (endsAt !== null && Date.now() >= endsAt + 1000 && window.location.pathname !== LOGIN) {
      endsAt = null;
      const here = window.location.pathname + window.location.search;
      window.location.assign(`${LOGIN}?expired=1&next=${encodeURIComponent(here)}`);
    }
  };

  // Document uploads (mtkcare/documents/components.py). A form marked data-upload-form holds
  // what the files are (its fields) and where they go (data attributes); files dropped on its
  // data-upload-zone or chosen in its data-upload-input are sent one at a time to our own
  // upload route, each with its progress and the server's answer listed in its
  // data-upload-progress list. When each one finishes the form's data-upload-done button is
  // pressed, so the page reads its documents again.
  const uploadDetails = (form, file, several) => {
    const value = (name) => {
      const field = form.querySelector(`[name="${name}"]`);
      return field && field.value ? field.value : null;
    };
    const details = { file_name: file.name, access_level: value("access_level") || "STANDARD" };
    const replaces = Number.parseInt(form.dataset.replacesId || "0", 10);
    if (replaces > 0) {
      details.replaces_id = replaces;
    } else {
      details.document_type = value("document_type");
      details[`${form.dataset.targetKind}_id`] = Number.parseInt(form.dataset.targetId, 10);
      if (value("expiry_date")) details.expiry_date = value("expiry_date");
    }
    if (!several && value("title")) details.title = value("title");
    return details;
  };

  const progressLine = (list, name) => {
    const item = document.createElement("li");
    const label = document.createElement("span");
    const bar = document.createElement("progress");
    const outcome = document.createElement("span");
    label.textContent = `${name} `;
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", `Upload of ${name}`);
    outcome.textContent = " Waiting…";
    item.setAttribute("data-upload-file", name);
    item.append(label, bar, outcome);
    list.append(item);
    return { item, bar, outcome };
  };

  const sendOne = (form, file, details, line) =>
    new Promise((resolve) => {
      const request = new XMLHttpRequest();
      request.open("POST", form.dataset.uploadUrl);
      request.withCredentials = true;
      request.setRequestHeader("Content-Type", "application/octet-stream");
      request.setRequestHeader("X-Upload", encodeURIComponent(JSON.stringify(details)));
      line.outcome.textContent = " Uploading…";
      request.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) line.bar.value = Math.round((event.loaded / event.total) * 100);
      });
      request.addEventListener("load", () => {
        let answer = {};
        try {
          answer = JSON.parse(request.responseText);
        } catch (_) {
          answer = {};
        }
        const ok = request.status === 202;
        line.bar.value = ok ? 100 : line.bar.value;
        line.item.setAttribute("data-upload-result", ok ? "uploaded" : "refused");
        line.outcome.textContent = ok
          ? " Uploaded: being stored."
          : ` Not uploaded: ${answer.title || `the server answered ${request.status}`}`;
        resolve(ok);
      });
      request.addEventListener("error", () => {
        line.item.setAttribute("data-upload-result", "refused");
        line.outcome.textContent = " Not uploaded: the connection failed. Try again.";
        resolve(false);
      });
      request.send(file);
    });

  const uploadFiles = async (form, files) => {
    if (!form || !files || files.length === 0) return;
    const list = form.querySelector("[data-upload-progress]");
    const done = form.querySelector("[data-upload-done]");
    const several = files.length > 1;
    const replacing = Number.parseInt(form.dataset.replacesId || "0", 10) > 0;
    if (!replacing && !(form.querySelector('[name="document_type"]') || {}).value) {
      const line = progressLine(list, files[0].name);
      line.item.setAttribute("data-upload-result", "refused");
      line.outcome.textContent = " Choose the document type first.";
      form.querySelector('[name="document_type"]').focus();
      return;
    }
    const lines = Array.from(files).map((file) => progressLine(list, file.name));
    for (let n = 0; n < files.length; n += 1) {
      await sendOne(form, files[n], uploadDetails(form, files[n], several), lines[n]);
      if (done) done.click();
    }
  };

  document.addEventListener("change", (event) => {
    const input = event.target;
    if (input instanceof HTMLInputElement && input.matches("[data-upload-input]")) {
      uploadFiles(input.closest("[data-upload-form]"), Array.from(input.files || []));
      input.value = "";
    }
  });
  document.addEventListener("dragover", (event) => {
    if (event.target instanceof Element && event.target.closest("[data-upload-zone]")) {
      event.preventDefault();
    }
  });
  document.addEventListener("drop", (event) => {
    const zone = event.target instanceof Element && event.target.closest("[data-upload-zone]");
    if (zone) {
      event.preventDefault();
      uploadFiles(zone.closest("[data-upload-form]"), Array.from(event.dataTransfer.files));
    }
  });

  window.mtkcare = Object.freeze({ focusField });
  window.setInterval(checkSession, 1000);
})();
