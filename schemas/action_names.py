"""The name of every `action.v1` action, spelled here once: the schema, the transition
table's events named after their action, and the handlers all use these members."""

from __future__ import annotations

from enum import StrEnum


class ActionName(StrEnum):
    MERCHANT_ACCEPT = "merchant.accept"
    MERCHANT_DISPUTE = "merchant.dispute"
    MERCHANT_MESSAGE = "merchant.message"
    MERCHANT_REMEDY_EXECUTED = "merchant.remedy_executed"
    MERCHANT_REVISE_OFFER = "merchant.revise_offer"
    MERCHANT_ACCEPT_COUNTER = "merchant.accept_counter"
    MERCHANT_REJECT_COUNTER = "merchant.reject_counter"
    MERCHANT_APPEAL = "merchant.appeal"
    MERCHANT_REQUEST_EXTENSION = "merchant.request_extension"
    MERCHANT_PROVIDE_INFORMATION = "merchant.provide_information"
    MERCHANT_CONFIRM_RECEIPT = "merchant.confirm_receipt"
    MERCHANT_DISPUTE_RECEIPT = "merchant.dispute_receipt"
    BUYER_ACCEPT_OFFER = "buyer.accept_offer"
    BUYER_REJECT_OFFER = "buyer.reject_offer"
    BUYER_SUPPLY_EVIDENCE = "buyer.supply_evidence"
    BUYER_CONFIRM = "buyer.confirm"
    BUYER_APPEAL = "buyer.appeal"
    BUYER_WITHDRAW = "buyer.withdraw"
    BUYER_MESSAGE = "buyer.message"
    BUYER_FILE_FOLLOWUP = "buyer.file_followup"
    BUYER_COUNTER_OFFER = "buyer.counter_offer"
    BUYER_GRANT_EXTENSION = "buyer.grant_extension"
    BUYER_REFUSE_EXTENSION = "buyer.refuse_extension"
    BUYER_PROVIDE_INFORMATION = "buyer.provide_information"
    BUYER_SHIP_RETURN = "buyer.ship_return"
    PLATFORM_APPROVE_REVIEW = "platform.approve_review"
    PLATFORM_REJECT_REVIEW = "platform.reject_review"
    PLATFORM_DECIDE = "platform.decide"
    PLATFORM_APPROVE_DECISION = "platform.approve_decision"
    PLATFORM_SUSPEND = "platform.suspend"
    PLATFORM_RESUME = "platform.resume"
    PLATFORM_GRANT_EXTENSION = "platform.grant_extension"
    PLATFORM_REFUSE_EXTENSION = "platform.refuse_extension"
    PLATFORM_REQUEST_INFORMATION = "platform.request_information"
    PLATFORM_REFUND_SETTLED = "platform.refund_settled"
    PLATFORM_REFUND_FAILED = "platform.refund_failed"
    PLATFORM_APPROVE_OFFER = "platform.approve_offer"
    PLATFORM_REFUSE_OFFER = "platform.refuse_offer"

    @property
    def role(self) -> str:
        """The party that takes it: buyer, merchant or platform."""
        return self.value.split(".", 1)[0]
