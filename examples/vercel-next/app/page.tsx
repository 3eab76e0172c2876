import { Upload } from "./upload";

export default function Home() {
  return (
    <>
      <h1>Import your chat history</h1>
      <p>
        Choose a ChatGPT or Claude.ai export (the ZIP or its <code>conversations.json</code>). It goes
        straight to storage, then imports in the background: close the tab, reload, come back later.
      </p>
      <Upload />
    </>
  );
}
