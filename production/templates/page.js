// Clicking a step plays the topic's video from that step (without script the link opens the clip).
document.querySelectorAll("a[data-start]").forEach(function (link) {
  link.addEventListener("click", function (event) {
    var video = document.getElementById(link.dataset.video);
    if (!video) return;
    event.preventDefault();
    video.currentTime = parseFloat(link.dataset.start);
    var playing = video.play();
    if (playing && playing.catch) playing.catch(function () {});
  });
});
