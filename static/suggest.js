// Suggestions while typing in the lookup box. Progressive enhancement only: without this
// script (or without JavaScript) the form submits and the search page answers in full.
(function () {
  "use strict";
  var input = document.getElementById("q");
  if (!input || !window.fetch || !document.createElement("datalist").options) return;
  var list = document.createElement("datalist");
  list.id = "q-suggestions";
  input.parentNode.appendChild(list);
  input.setAttribute("list", list.id);
  var timer = null;
  var last = "";
  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    var value = input.value.trim();
    if (value.length < 2 || value === last) return;
    timer = window.setTimeout(function () {
      last = value;
      fetch("/api/v1/suggest?q=" + encodeURIComponent(value), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (data) {
          while (list.firstChild) list.removeChild(list.firstChild);
          data.items.forEach(function (item) {
            var option = document.createElement("option");
            option.value = item.name;
            option.label = item.status;
            list.appendChild(option);
          });
        })
        .catch(function () { /* suggestions are optional */ });
    }, 200);
  });
})();
