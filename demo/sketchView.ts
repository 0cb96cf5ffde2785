// "Draw a digit": a pad to draw on with the mouse, a finger or a pen, the 28×28 image the
// network reads from it (demo/sketch.ts), and the network's answer with every class's
// probability, answered again after each epoch so the answer follows the training.
import { inputDataset, type Network } from '../src/index.js';
import { paintDigit } from './digitCanvas.js';
import { IMAGE_SIDE, sketchImage } from './sketch.js';

/** What the pad holds and answered, for the page's test (and curious users in the console). */
export interface SketchState {
  /** The 28×28 image of the drawing (bytes, row-major), or null where nothing is drawn. */
  image: number[] | null;
  /** Each class's probability for the drawing, or null where no network answered it yet. */
  probabilities: number[] | null;
  /** The class answered (the likeliest), or null. */
  answer: number | null;
  /** When it was answered ("after epoch 4"), or null. */
  when: string | null;
}

/** The pad's elements in the page. */
export interface SketchElements {
  pad: HTMLCanvasElement;
  /** The 28×28 image the network reads, drawn at its own size (CSS enlarges it). */
  seen: HTMLCanvasElement;
  bars: HTMLElement;
  text: HTMLElement;
  clear: HTMLButtonElement;
}

/** The stroke's width as a share of the pad's side: MNIST's strokes are about a tenth of a digit's 20-pixel height. */
const STROKE = 0.075;

export class SketchPad {
  readonly state: SketchState = { image: null, probabilities: null, answer: null, when: null };
  private drawing = false;
  private readonly ctx: CanvasRenderingContext2D;

  /** `drawn` is called when a stroke ends or the pad is cleared: the page then asks for an answer. */
  constructor(
    private readonly els: SketchElements,
    private readonly drawn: () => void,
  ) {
    this.ctx = els.pad.getContext('2d', { willReadFrequently: true })!;
    const pad = els.pad;
    pad.addEventListener('pointerdown', (e) => {
      pad.setPointerCapture(e.pointerId);
      this.drawing = true;
      const { x, y } = this.at(e);
      this.ctx.beginPath();
      this.ctx.moveTo(x, y);
      // A tap leaves a dot.
      this.ctx.lineTo(x + 0.01, y);
      this.ctx.stroke();
    });
    pad.addEventListener('pointermove', (e) => {
      if (!this.drawing) return;
      const { x, y } = this.at(e);
      this.ctx.lineTo(x, y);
      this.ctx.stroke();
    });
    const end = () => {
      if (!this.drawing) return;
      this.drawing = false;
      this.read();
    };
    pad.addEventListener('pointerup', end);
    pad.addEventListener('pointercancel', end);
    els.clear.addEventListener('click', () => {
      this.blank();
      this.drawn();
    });
    this.blank();
  }

  /** The drawing as a one-row dataset of 28×28 bytes, or null where nothing is drawn. */
  image(): Uint8Array | null {
    return this.state.image ? Uint8Array.from(this.state.image) : null;
  }

  /** Answer the drawing with `net` (at rest, or lent to fit's onEpoch); `when` says when, under the bars. */
  async answer(net: Network, when: string): Promise<void> {
    const image = this.image();
    if (!image || net.inputs !== IMAGE_SIDE * IMAGE_SIDE || net.outputs < 2) return this.forget();
    const { labels, probabilities } = await net.classify(inputDataset({ x: image, features: image.length, name: 'your drawing' }));
    // Drawn again or cleared while the network answered: that answer is for another drawing.
    if (!this.state.image || this.state.image.some((v, i) => v !== image[i])) return;
    Object.assign(this.state, { probabilities: Array.from(probabilities), answer: labels[0]!, when });
    this.showAnswer();
  }

  /** Drop the answer (the network it came from is gone); the drawing stays. */
  forget(): void {
    Object.assign(this.state, { probabilities: null, answer: null, when: null });
    this.showAnswer();
  }

  /** An empty pad, and the pen set for the next stroke. */
  private blank(): void {
    this.ctx.clearRect(0, 0, this.els.pad.width, this.els.pad.height);
    this.ctx.lineWidth = STROKE * this.els.pad.width;
    this.ctx.lineCap = 'round';
    this.ctx.lineJoin = 'round';
    this.ctx.strokeStyle = 'black';
    this.state.image = null;
    this.showSeen();
    this.forget();
  }

  /** The pointer's position in the pad's own pixels (its CSS size may differ). */
  private at(e: PointerEvent): { x: number; y: number } {
    const r = this.els.pad.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * this.els.pad.width) / r.width, y: ((e.clientY - r.top) * this.els.pad.height) / r.height };
  }

  /** Read the pad's ink (its alpha) into the 28×28 image, show it, and ask for an answer. */
  private read(): void {
    const { width, height } = this.els.pad;
    const pixels = this.ctx.getImageData(0, 0, width, height).data;
    const ink = new Float32Array(width * height);
    for (let i = 0; i < ink.length; i++) ink[i] = pixels[4 * i + 3]! / 255;
    const image = sketchImage(ink, width, height);
    this.state.image = image ? Array.from(image) : null;
    this.showSeen();
    this.forget();
    this.drawn();
  }

  /** The image the network reads, ink dark on white as the mistakes are drawn. */
  private showSeen(): void {
    paintDigit(this.els.seen, this.state.image ?? new Uint8Array(IMAGE_SIDE * IMAGE_SIDE));
  }

  /** A bar a class, as long as its probability, the answer's marked; or what to do to get one. */
  private showAnswer(): void {
    const { probabilities, answer, when } = this.state;
    if (!probabilities) {
      this.els.bars.replaceChildren();
      this.els.text.textContent = this.state.image ? 'Train or open a network: it answers after each epoch' : 'Draw a digit (0–9) on the pad';
      return;
    }
    this.els.bars.replaceChildren(
      ...probabilities.map((p, c) => {
        const row = document.createElement('div');
        row.className = c === answer ? 'answer' : '';
        const track = document.createElement('span');
        const bar = document.createElement('span');
        bar.style.width = `${(100 * p).toFixed(1)}%`;
        track.append(bar);
        row.append(`${c}`, track, `${(100 * p).toFixed(0)}%`);
        return row;
      }),
    );
    this.els.text.textContent = `answered ${answer} (${(100 * probabilities[answer!]!).toFixed(0)}%) ${when}`;
  }
}
