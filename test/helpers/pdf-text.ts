import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

/** One run of text as pdfjs extracts it, placed in PDF points from the page's lower-left corner. */
export interface PdfTextItem {
  text: string;
  x: number;
  y: number;
  width: number;
}

/** Extracts the text items of each page of a PDF with pdfjs, one array per page. */
export async function pdfPageItems(bytes: Uint8Array): Promise<PdfTextItem[][]> {
  // pdfjs 5 detaches the buffer passed as data, so it gets a copy and the caller's bytes stay usable.
  const loadingTask = getDocument({
    data: new Uint8Array(bytes),
    disableFontFace: true,
    useSystemFonts: false,
    // Silences "Ensure that the `standardFontDataUrl` API parameter is provided", which pdfjs
    // prints for the non-embedded Helvetica. Text extraction works without that font data.
    verbosity: 0,
  });
  const document = await loadingTask.promise;
  try {
    const pages: PdfTextItem[][] = [];
    for (let pageNumber = 1; pageNumber <= document.numPages; pageNumber++) {
      const page = await document.getPage(pageNumber);
      const content = await page.getTextContent();
      const items: PdfTextItem[] = [];
      for (const item of content.items) {
        if ('str' in item && item.str.trim() !== '') {
          items.push({ text: item.str, x: item.transform[4] as number, y: item.transform[5] as number, width: item.width });
        }
      }
      pages.push(items);
    }
    return pages;
  } finally {
    await loadingTask.destroy();
  }
}

/** Extracts the text of each page of a PDF, one string per page with one text item per line. */
export async function pdfPageTexts(bytes: Uint8Array): Promise<string[]> {
  const pages = await pdfPageItems(bytes);
  return pages.map((items) => items.map((item) => item.text).join('\n'));
}
