// The programme's print button: shown only where a script can print (it is hidden without).
const button = document.querySelector(".programme-print");
if (button) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
