"""The LLM `AnswerWriter`: the numbered passages and the question go to the model; its answer streams back,
then its citations are checked (`service.answer.citations`) before the finished answer is handed on.

An empty answer is a failure like a timeout: the caller falls back to the extractive answer. An answer
that cites nothing and claims nothing ("The documents do not say.") becomes the same "not found" answer
as the extractive one, naming the closest documents.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing

from starlette.concurrency import run_in_threadpool

from service.answer.citations import CitationChecker
from service.answer.extractive import Answer, AnswerSentence, not_found
from service.chat.engine import Prepared
from service.chat.events import Delta, Sources, Step, Written, sources_of
from service.chat.llm.client import LLMClient, LLMFailure
from service.chat.llm.prompts import Prompts
from service.chat.llm.untrusted import LinkFilter, defuse_links, follows_planted_instruction


class LLMWriter:
    def __init__(self, client: LLMClient, prompts: Prompts, checker: CitationChecker) -> None:
        self._client = client
        self._prompts = prompts
        self._checker = checker

    async def write(self, prepared: Prepared) -> AsyncGenerator[Step, None]:
        sources = prepared.retrieval.candidates[: prepared.top_k]
        passages = [candidate.chunk for candidate in sources]
        yield Sources(sources_of(sources))
        messages = self._prompts.answer_messages(prepared.retrieval.question, passages)
        parts: list[str] = []
        links = LinkFilter(
            sources_urls := [p.url for p in passages if p.url]
        )  # see service.chat.llm.untrusted
        async with aclosing(self._client.stream(messages)) as stream:
            async for text in stream:
                if not parts:
                    text = text.lstrip()
                    if not text:
                        continue
                parts.append(text)
                if safe := links.feed(text):
                    yield Delta(safe)
        if rest := links.flush():
            yield Delta(rest)
        text = defuse_links("".join(parts).strip(), sources_urls)
        if not text:
            raise LLMFailure("the language model returned an empty answer", "empty")
        if follows_planted_instruction(text, prepared.retrieval.question, passages):
            raise LLMFailure("the language model followed an instruction found in a document", "injection")
        checked = await run_in_threadpool(self._checker.check, text, passages)
        if not checked.found:  # "The documents do not say": answered like the extractive refusal
            yield Written(not_found(prepared.retrieval, 0.0), "llm")
            return
        sentences = [AnswerSentence(s.start, s.end, s.sources) for s in checked.sentences]
        answer = Answer(
            text=checked.text, found=checked.found, sources=sources, sentences=sentences, evidence=0.0
        )
        yield Written(answer, "llm", tuple(checked.unsupported))
