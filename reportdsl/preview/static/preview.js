// The preview page: follows the server's events and shows the newest pages and error.
// Every text from the server goes in with textContent and every page is an <img>:
// nothing the report or its data holds is ever markup here.
"use strict";

(function () {
  const body = document.body;
  const pages = document.getElementById("pages");
  const errorBox = document.getElementById("error");
  const errorText = document.getElementById("error-text");
  const errorHead = document.getElementById("error-head");
  const status = document.getElementById("status");
  let newest = 0; // the newest pages_version asked for

  function plural(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }

  function show(state) {
    if (state.error) {
      errorText.textContent = state.error;
      errorHead.textContent = state.pages_version > 0
        ? "The report has errors; the pages beside them are from the last good build."
        : "The report has errors.";
      errorBox.hidden = false;
    } else {
      errorBox.hidden = true;
      errorText.textContent = "";
    }
    if (state.building) {
      body.dataset.state = "building";
      status.textContent = "building…";
    } else if (state.error) {
      body.dataset.state = "error";
      status.textContent = "error (" + state.seconds.toFixed(2) + " s)";
    } else {
      body.dataset.state = "ok";
      status.textContent = plural(state.page_count, "page") + ", built in " + state.seconds.toFixed(2) + " s";
    }
    if (state.pages_version > 0 && state.pages_version !== newest) {
      newest = state.pages_version;
      swap(state);
    }
  }

  // The new pages are loaded and decoded first, then put in place of the old ones in
  // the same <img> elements: the page keeps its height and its scroll position.
  function swap(state) {
    const version = state.pages_version;
    const urls = [];
    for (let n = 1; n <= state.page_count; n++) {
      urls.push("/page/" + n + "." + state.format + "?v=" + version);
    }
    const loading = urls.map(function (url) {
      const image = new Image();
      image.src = url;
      return image.decode().catch(function () { return null; });
    });
    Promise.all(loading).then(function () {
      if (version !== newest) {
        return; // newer pages came while these loaded
      }
      const images = pages.getElementsByTagName("img");
      urls.forEach(function (url, i) {
        let image = images[i];
        if (!image) {
          image = document.createElement("img");
          pages.appendChild(image);
        }
        image.alt = "page " + (i + 1);
        image.src = url;
      });
      while (images.length > urls.length) {
        pages.removeChild(images[images.length - 1]);
      }
      pages.dataset.version = String(version);
    });
  }

  function connect() {
    const events = new EventSource("/events");
    events.onmessage = function (event) {
      show(JSON.parse(event.data));
    };
    events.onerror = function () {
      body.dataset.state = "disconnected";
      status.textContent = "disconnected — is reportdsl watch still running?";
    };
  }

  connect();
})();
