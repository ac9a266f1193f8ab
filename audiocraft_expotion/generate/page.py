"""The web demo's single page: upload a video, type a prompt, watch the music video."""

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Expotion demo</title>
<style>
 body { font-family: sans-serif; max-width: 52rem; margin: 2rem auto; }
 input[type=text] { width: 30rem; }
 #notice { color: #a40; } #error { color: #c00; } img { max-width: 100%; }
</style>
</head>
<body>
<h1>Expotion: music that follows faces and motion</h1>
<p id="notice">__NOTICE__</p>
<form id="form">
 <p><label>Video <input id="video" type="file" accept="video/*" required></label></p>
 <p><label>Prompt <input id="prompt" type="text" value="__PROMPT__"></label></p>
 <p><label>Seed <input id="seed" type="number" value="0"></label>
  <button id="generate" type="submit">Generate</button> <span id="status"></span></p>
</form>
<p id="error"></p>
<div id="result"></div>
<script>
document.getElementById("form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const file = document.getElementById("video").files[0];
  const status = document.getElementById("status"), error = document.getElementById("error");
  const result = document.getElementById("result"), button = document.getElementById("generate");
  const query = new URLSearchParams({name: file.name, prompt: document.getElementById("prompt").value,
                                     seed: document.getElementById("seed").value});
  button.disabled = true; status.textContent = "generating..."; error.textContent = ""; result.replaceChildren();
  try {
    const response = await fetch("/generate?" + query, {method: "POST", body: file});
    const reply = await response.json();
    if (!response.ok) throw new Error(reply.error);
    const video = document.createElement("video");
    video.id = "music-video"; video.controls = true; video.src = reply.video; video.width = 640;
    const plot = document.createElement("img");
    plot.id = "plot"; plot.src = reply.plot; plot.alt = "features and music";
    const wav = document.createElement("a");
    wav.href = reply.wav; wav.textContent = "music (wav)"; wav.download = "";
    result.append(video, document.createElement("br"), wav, plot);
    status.textContent = "done";
  } catch (err) {
    error.textContent = err.message; status.textContent = "";
  } finally {
    button.disabled = false;
  }
});
</script>
</body>
</html>
"""
