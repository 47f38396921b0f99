#!/usr/bin/env bash
# Regenerates the demo media in this folder. NOT needed to build or run anything: the files are
# committed and compiled in with include_bytes!. Kept so anyone can see (and redo) how they were made.
# Needs: imagemagick, ffmpeg (libx264, libopus, libwebp), espeak-ng, python3, fonts-dejavu-core,
# fonts-noto-cjk (Debian package names).
set -euo pipefail
cd "$(dirname "$0")"
IM=/usr/bin/convert
SANS=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
SANSB=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf
MONO=/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf
CJK=/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

# A photo-like cake: noisy warm background (plasma gives JPEG realistic entropy), a layered cake.
$IM -size 800x600 -seed 7 plasma:'#f3d9c9'-'#b98a6e' -blur 0x2 \
  -fill '#6b3e26' -draw 'ellipse 400 470 260 60 0 360' \
  -fill '#fff4f0' -draw 'rectangle 140 300 660 470' \
  -fill '#fff4f0' -draw 'ellipse 400 300 260 60 0 360' \
  -fill '#e8a2b0' -draw 'rectangle 140 370 660 395' \
  -fill '#c0182f' -draw 'circle 330 290 330 306' -draw 'circle 400 280 400 298' -draw 'circle 470 292 470 308' \
  -fill '#2f7d32' -draw 'ellipse 400 262 14 6 0 360' \
  -font "$SANSB" -pointsize 30 -fill '#5a2a17' -annotate +160+560 'Strawberry cream cake  #1042' \
  -attenuate 0.4 +noise Gaussian -quality 82 cake.jpg

# A crumpled-looking receipt photo: paper on a wooden-ish table, monospaced lines, a slight tilt.
$IM -size 420x620 xc:'#fbfaf5' -font "$MONO" -pointsize 18 -fill '#222' \
  -annotate +30+50 'SWEET CRUMB BAKERY' \
  -annotate +30+80 '12 Rua Augusta, Lisboa' \
  -annotate +30+130 '2x Pastel de nata    3.00' \
  -annotate +30+160 '1x Sourdough loaf    4.50' \
  -annotate +30+190 '1x Birthday cake    32.00' \
  -annotate +30+240 'TOTAL EUR           39.50' \
  -annotate +30+290 'Paid: card ****4412' \
  -annotate +30+340 'Order #1042' \
  -annotate +30+390 'Obrigado! Thank you!' \
  -background '#7a5536' -rotate -4 -gravity center -extent 560x720 \
  -attenuate 0.6 +noise Gaussian -quality 80 receipt.jpg

# A bike with a broken spoke, outdoors.
$IM -size 900x600 -seed 3 plasma:'#9cc7e8'-'#4f7f3a' -blur 0x3 \
  -stroke '#222' -strokewidth 10 -fill none \
  -draw 'circle 250 400 250 270' -draw 'circle 650 400 650 270' \
  -stroke '#b31b1b' -strokewidth 14 \
  -draw 'line 250 400 420 400' -draw 'line 420 400 560 250' -draw 'line 560 250 650 400' \
  -draw 'line 380 250 560 250' -draw 'line 380 250 250 400' -draw 'line 380 250 420 400' \
  -stroke '#222' -strokewidth 8 -draw 'line 380 250 360 210' -draw 'line 560 250 580 200' \
  -stroke '#999' -strokewidth 3 -draw 'line 650 400 650 275' -draw 'line 650 400 760 330' -draw 'line 650 400 540 330' \
  -stroke '#999' -strokewidth 3 -draw 'line 650 400 700 470' \
  -stroke none -font "$SANSB" -pointsize 28 -fill white -annotate +30+570 'Rear wheel - broken spoke?' \
  -attenuate 0.5 +noise Gaussian -quality 80 bike.jpg

# A phone screenshot of a bank transfer (flat colours: PNG, with Chinese text).
$IM -size 390x700 xc:'#f4f6f8' \
  -fill '#1677ff' -draw 'rectangle 0 0 390 90' \
  -font "$SANSB" -pointsize 24 -fill white -annotate +20+58 'Transfer successful' \
  -fill white -draw 'roundrectangle 20 120 370 420 16 16' \
  -font "$SANS" -pointsize 20 -fill '#333' \
  -annotate +40+170 'Amount' -annotate +40+230 'To' -annotate +40+290 'Reference' -annotate +40+350 'Time' \
  -font "$SANSB" -annotate +200+170 'CNY 268.00' -annotate +200+230 'Sweet Crumb' \
  -annotate +200+290 'ORDER-1042' -annotate +200+350 '14:32' \
  -font "$CJK" -pointsize 22 -fill '#52c41a' -annotate +40+480 '转账成功 · 感谢您的订购' \
  -font "$SANS" -pointsize 16 -fill '#888' -annotate +40+640 'Screenshot' \
  -depth 8 PNG24:transfer.png

# A smaller PNG: a hand-drawn-style map sketch with a pin (used without caption).
$IM -size 480x360 xc:'#eef3e2' -stroke '#c9c9c9' -strokewidth 18 \
  -draw 'line 0 120 480 150' -draw 'line 200 0 240 360' -draw 'line 0 300 480 260' \
  -stroke none -fill '#d93025' -draw 'circle 300 170 300 150' -draw 'polygon 285 180 315 180 300 215' \
  -fill white -draw 'circle 300 170 300 162' \
  -font "$SANS" -pointsize 16 -fill '#333' -annotate +320+205 'Shop here' \
  -depth 8 PNG24:sketch.png

# A sticker: transparent 512x512 WEBP, a smiling cupcake.
$IM -size 512x512 xc:none \
  -fill '#f7b6c8' -draw 'ellipse 256 210 170 120 0 360' \
  -fill '#c98b53' -draw 'polygon 120 260 392 260 352 450 160 450' \
  -fill '#333' -draw 'circle 210 330 210 344' -draw 'circle 302 330 302 344' \
  -stroke '#333' -strokewidth 8 -fill none -draw 'arc 216 350 296 400 10 170' \
  -stroke none -fill '#d0021b' -draw 'circle 256 100 256 130' \
  -define webp:lossless=false -quality 80 sticker.webp

# A voice note: synthetic speech, mono Opus in Ogg as WhatsApp records it.
espeak-ng -v en-us -s 150 -w /tmp/inlet-voice.wav \
  "Hi, it's Maria. Could you write Happy Birthday Leo on the cake? And please no nuts, my son is allergic. Thanks!"
ffmpeg -y -loglevel error -i /tmp/inlet-voice.wav -ac 1 -ar 48000 -c:a libopus -b:a 16k -application voip voice-note.ogg

# A short video: 4 s, 320x240 H.264 + AAC, of a wobbling wheel (test pattern plus moving spoke).
ffmpeg -y -loglevel error \
  -f lavfi -i "color=c=0x6d8f5a:s=320x240:d=4:r=15" \
  -f lavfi -i "sine=frequency=220:duration=4" \
  -vf "drawbox=x=60+20*sin(t*6):y=20:w=200:h=200:color=black@0.9:t=12,drawbox=x=150+20*sin(t*6):y=110:w=20:h=20:color=gray:t=fill,drawtext=fontfile=$SANSB:text='wheel wobble':x=10:y=220:fontsize=18:fontcolor=white" \
  -c:v libx264 -preset veryslow -crf 30 -pix_fmt yuv420p -movflags +faststart \
  -c:a aac -b:a 32k -shortest wheel-wobble.mp4

python3 make_pdf.py invoice invoice-1042.pdf
python3 make_pdf.py claim claim-form.pdf
ls -l
