// Cellpath: the optional drawn signature of the consent form. Without
// JavaScript the drawing area stays hidden and the typed name is the
// signature; with it, each stroke writes the PNG data URL into the hidden
// `drawn_signature` field. No inline script: the CSP allows 'self' only.
(function () {
  "use strict";
  var area = document.getElementById("signature-draw");
  var canvas = document.getElementById("signature-pad");
  var input = document.getElementById("drawn-signature");
  var clear = document.getElementById("signature-clear");
  if (!area || !canvas || !input || !canvas.getContext) { return; }
  var context = canvas.getContext("2d");
  var drawing = false;
  var drawn = false;
  area.hidden = false;
  context.lineWidth = 2.5;
  context.lineCap = "round";
  context.lineJoin = "round";
  context.strokeStyle = "#1d2430";

  function point(event) {
    var box = canvas.getBoundingClientRect();
    return {
      x: (event.clientX - box.left) * (canvas.width / box.width),
      y: (event.clientY - box.top) * (canvas.height / box.height)
    };
  }

  function start(event) {
    drawing = true;
    var p = point(event);
    context.beginPath();
    context.moveTo(p.x, p.y);
    canvas.setPointerCapture(event.pointerId);
    event.preventDefault();
  }

  function move(event) {
    if (!drawing) { return; }
    var p = point(event);
    context.lineTo(p.x, p.y);
    context.stroke();
    drawn = true;
    event.preventDefault();
  }

  function end() {
    if (!drawing) { return; }
    drawing = false;
    if (drawn) { input.value = canvas.toDataURL("image/png"); }
  }

  canvas.addEventListener("pointerdown", start);
  canvas.addEventListener("pointermove", move);
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  canvas.addEventListener("pointerleave", end);
  if (clear) {
    clear.addEventListener("click", function () {
      context.clearRect(0, 0, canvas.width, canvas.height);
      input.value = "";
      drawn = false;
    });
  }
  // A signature kept from a form sent back with errors is shown again.
  if (input.value.indexOf("data:image/png;base64,") === 0) {
    var image = new Image();
    image.onload = function () { context.drawImage(image, 0, 0); drawn = true; };
    image.src = input.value;
  }
})();
